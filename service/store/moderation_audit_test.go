package store

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"chatroom/model"
	"chatroom/service"
)

// auditIDs calls s.Audit or fails, and gives the entries' IDs.
func auditIDs(t *testing.T, s *Store, room string, before uint64, limit int) ([]uint64, bool) {
	t.Helper()
	entries, more, err := s.Audit(context.Background(), room, before, limit)
	if err != nil {
		t.Fatalf("Audit(%q, %d, %d): %v", room, before, limit, err)
	}
	ids := make([]uint64, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	return ids, more
}

func TestAuditKeepsEveryFieldAndGivesIncreasingIDs(t *testing.T) {
	s := openT(t, "", Options{})
	ctx := context.Background()
	e := service.AuditEntry{ID: 999, At: ms(time.Now()), Action: model.TypeDelete, Room: "lobby", Actor: "ann",
		Target: "bob", Reason: "rude", Duration: 90 * time.Second, Seq: 1 << 40, Detail: "话题"}
	id1, err := s.AddAudit(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.AddAudit(ctx, service.AuditEntry{Action: model.TypeBan, Actor: "api"})
	if err != nil || id2 <= id1 {
		t.Fatalf("a second entry got ID %d (%v), after %d", id2, err, id1)
	}
	entries, more, err := s.Audit(ctx, "", 0, 10)
	if err != nil || more || len(entries) != 2 {
		t.Fatalf("Audit = %+v, %v, %v", entries, more, err)
	}
	got := entries[1]
	e.ID = id1
	if !got.At.Equal(e.At) {
		t.Fatalf("At %v, want %v", got.At, e.At)
	}
	got.At, e.At = time.Time{}, time.Time{}
	if got != e {
		t.Fatalf("entry read back as %+v\nwant %+v", got, e)
	}
	if !entries[0].At.IsZero() || entries[0].ID != id2 {
		t.Fatalf("the entry without a time reads back as %+v", entries[0])
	}
}

func TestAuditPagesNewestFirstByRoom(t *testing.T) {
	s := openT(t, "", Options{})
	ctx := context.Background()
	var lobby, all []uint64
	for i := 0; i < 25; i++ {
		room := "games"
		switch {
		case i%3 == 0:
			room = "lobby"
		case i%5 == 0:
			room = "" // a server-wide ban
		}
		id, err := s.AddAudit(ctx, service.AuditEntry{Action: model.TypeKick, Room: room, Actor: "ann"})
		if err != nil {
			t.Fatal(err)
		}
		all = append([]uint64{id}, all...)
		if room == "lobby" {
			lobby = append([]uint64{id}, lobby...)
		}
	}
	var paged []uint64
	before := uint64(0)
	for i := 0; i < 10; i++ {
		ids, more := auditIDs(t, s, "", before, 7)
		paged = append(paged, ids...)
		if !more {
			break
		}
		before = ids[len(ids)-1]
	}
	if !slices.Equal(paged, all) {
		t.Fatalf("paging the whole trail by 7 gave %v, want %v", paged, all)
	}
	if ids, more := auditIDs(t, s, "lobby", 0, 100); !slices.Equal(ids, lobby) || more {
		t.Fatalf("lobby's trail = %v (more %v), want %v", ids, more, lobby)
	}
	if ids, more := auditIDs(t, s, "lobby", lobby[2], 2); !slices.Equal(ids, lobby[3:5]) || !more {
		t.Fatalf("lobby's trail before %d = %v (more %v), want %v", lobby[2], ids, more, lobby[3:5])
	}
	if ids, more := auditIDs(t, s, "nowhere", 0, 5); len(ids) != 0 || more {
		t.Fatalf("a room without entries has %v", ids)
	}
	if ids, _ := auditIDs(t, s, "", math.MaxUint64, 1); len(ids) != 1 || ids[0] != all[0] {
		t.Fatalf("before beyond int64 gives %v, want the newest", ids)
	}
}

func TestAuditRefusesBadInput(t *testing.T) {
	s := openT(t, "", Options{})
	ctx := context.Background()
	for _, limit := range []int{0, -1} {
		if _, _, err := s.Audit(ctx, "", 0, limit); err == nil || !strings.Contains(err.Error(), "at least 1") {
			t.Errorf("Audit with limit %d: %v", limit, err)
		}
	}
	if _, err := s.AddAudit(ctx, service.AuditEntry{Seq: math.MaxUint64}); err == nil || !strings.Contains(err.Error(), "beyond") {
		t.Errorf("AddAudit of a seq beyond int64: %v", err)
	}
}
