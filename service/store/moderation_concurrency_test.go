package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"chatroom/model"
	"chatroom/service"
)

// TestModerationWhileAppendingAndReading uses every moderation method from
// several goroutines while one appends talks and another deletes them as
// they come, and readers scroll back and search: under -race nothing is
// shared unsafely, every call succeeds, and at the end every audit entry
// is kept once and every deleted talk is a tombstone search does not find.
func TestModerationWhileAppendingAndReading(t *testing.T) {
	s := openT(t, "", Options{})
	ctx := context.Background()
	const workers, rounds, batches = 3, 40, 20
	appended := make(chan uint64, batches*10)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the broker's writer
		defer wg.Done()
		defer close(appended)
		for b := uint64(0); b < batches; b++ {
			evs := roomTalks("lobby", 1+b*10, 10)
			if err := s.Append(evs); err != nil {
				t.Errorf("Append: %v", err)
				return
			}
			for _, ev := range evs {
				if ev.GetSeq()%2 == 0 {
					appended <- ev.GetSeq()
				}
			}
		}
	}()
	wg.Add(1)
	go func() { // a moderator deleting every even talk
		defer wg.Done()
		for seq := range appended {
			if author, err := s.Delete(ctx, "lobby", seq, "mod"); err != nil || author != "ann" {
				t.Errorf("Delete(%d) = %q, %v", seq, author, err)
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				if err := moderateOnce(ctx, s, w, i); err != nil {
					t.Errorf("worker %d, round %d: %v", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	entries, more, err := s.Audit(ctx, "", 0, workers*rounds+1)
	if err != nil || more || len(entries) != workers*rounds {
		t.Fatalf("the audit trail has %d entries (more %v, %v), want %d", len(entries), more, err, workers*rounds)
	}
	if rs := restrictions(t, s); len(rs) != workers*rounds/2 {
		t.Fatalf("%d bans kept, want the %d not removed", len(rs), workers*rounds/2)
	}
	msgs, _, err := s.After(ctx, "lobby", 0, 0, batches*10)
	if err != nil || len(msgs) != batches*10 {
		t.Fatalf("lobby holds %d talks, %v", len(msgs), err)
	}
	for _, m := range msgs {
		if deleted := m.GetType() == model.TypeDelete; deleted != (m.GetSeq()%2 == 0) {
			t.Fatalf("talk %d reads back as %v", m.GetSeq(), m)
		}
	}
	if got, _ := search(t, s, "lobby", "message", 0, batches*10); len(got) != batches*5 {
		t.Fatalf("search finds %d talks, want the %d not deleted", len(got), batches*5)
	}
}

// moderateOnce is one round of worker w: a ban put and read back, a room's
// settings, an audit entry, reads of the trail and of the history.
func moderateOnce(ctx context.Context, s *Store, w, i int) error {
	name := fmt.Sprintf("user%d-%d", w, i)
	if err := s.PutRestriction(ctx, service.Restriction{Room: "lobby", Name: name, By: "mod"}); err != nil {
		return err
	}
	if _, err := s.Restrictions(ctx); err != nil {
		return err
	}
	if i%2 == 0 {
		if ok, err := s.RemoveRestriction(ctx, "lobby", name, false); !ok || err != nil {
			return errors.Join(fmt.Errorf("RemoveRestriction(%s) = %v", name, ok), err)
		}
	}
	room := fmt.Sprintf("room%d", i%5)
	if _, err := s.CreateRoom(ctx, room, name); err != nil {
		return err
	}
	if err := s.PutRoom(ctx, service.RoomSettings{Room: room, Owner: name, Moderators: []string{name}}); err != nil {
		return err
	}
	if _, err := s.Rooms(ctx); err != nil {
		return err
	}
	if _, err := s.AddAudit(ctx, service.AuditEntry{Action: model.TypeBan, Room: "lobby", Actor: "mod", Target: name}); err != nil {
		return err
	}
	_, _, err1 := s.Audit(ctx, "lobby", 0, 5)
	_, _, err2 := s.Before(ctx, "lobby", 0, 20)
	_, _, err3 := s.Search(ctx, "lobby", "message", 0, 20)
	return errors.Join(err1, err2, err3)
}
