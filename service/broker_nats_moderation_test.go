package service

// Tests of the NATS broker's ModerationStore on a real embedded NATS
// server: restrictions, room settings and the audit trail written on one
// node and read on another, rooms created by two nodes at once, audit
// entries added by two nodes at once, bad input, and all of it (with a
// tombstone) read back by a new broker after NATS restarts on its store.

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"chatroom/internal/natstest"
	"chatroom/model"
)

// ms is t to the millisecond, as the stores keep times.
func ms(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()) }

// Restrictions put on one node are read on the other, sorted; a ban and a
// mute of one name in one room are two, a second ban replaces the first;
// names and rooms no key could hold as they are (dots, wildcards, spaces,
// Chinese) are kept as given; a removal says whether there was one.
func TestNatsModerationRestrictions(t *testing.T) {
	url := natstest.Start(t)
	a, b := newNatsNode(t, NatsConfig{URLs: url, Node: "a"}).Moderation(), newNatsNode(t, NatsConfig{URLs: url, Node: "b"}).Moderation()
	ctx := t.Context()
	now := ms(time.Now())
	want := []Restriction{
		{Room: "", Name: "mallory", Addr: netip.MustParseAddr("192.0.2.7"), By: "root", Reason: "spam", At: now},
		{Room: "a.b *>", Name: "eve", Until: now.Add(time.Hour), By: "mod", At: now},
		{Room: "a.b *>", Name: "eve", Mute: true, Until: now.Add(time.Minute), By: "mod", Reason: "shouting", At: now},
		{Room: "房间", Name: "用户 one", Addr: netip.MustParseAddr("2001:db8::1"), At: now},
	}
	for _, r := range []Restriction{want[3], want[2], {Room: "a.b *>", Name: "eve", Reason: "first"}, want[1], want[0]} {
		if err := a.PutRestriction(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := b.Restrictions(ctx)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("restrictions read on b:\n%+v, %v\nwant\n%+v", got, err, want)
	}
	for _, c := range []struct {
		room, name string
		mute, was  bool
	}{{"a.b *>", "eve", true, true}, {"a.b *>", "eve", true, false}, {"", "eve", false, false}, {"", "mallory", false, true}} {
		if was, err := b.RemoveRestriction(ctx, c.room, c.name, c.mute); err != nil || was != c.was {
			t.Fatalf("removing %q %q mute=%v: %v, %v; want %v", c.room, c.name, c.mute, was, err, c.was)
		}
	}
	got, err = a.Restrictions(ctx)
	if err != nil || !reflect.DeepEqual(got, []Restriction{want[1], want[3]}) {
		t.Fatalf("after removals: %+v, %v", got, err)
	}
}

// Settings put on one node are read on the other: moderators sorted and
// each once, the slow mode to the millisecond. CreateRoom records an owner
// once.
func TestNatsModerationRooms(t *testing.T) {
	url := natstest.Start(t)
	a, b := newNatsNode(t, NatsConfig{URLs: url, Node: "a"}).Moderation(), newNatsNode(t, NatsConfig{URLs: url, Node: "b"}).Moderation()
	ctx := t.Context()
	if created, err := a.CreateRoom(ctx, "go", "alice"); err != nil || !created {
		t.Fatalf("create: %v, %v", created, err)
	}
	if created, err := b.CreateRoom(ctx, "go", "bob"); err != nil || created {
		t.Fatalf("create again: %v, %v", created, err)
	}
	if err := b.PutRoom(ctx, RoomSettings{Room: "lobby", Moderators: []string{"zed", "amy", "zed"}, Topic: "话题 1", TopicBy: "amy", Slow: 1500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	want := []RoomSettings{
		{Room: "go", Owner: "alice"},
		{Room: "lobby", Moderators: []string{"amy", "zed"}, Topic: "话题 1", TopicBy: "amy", Slow: 1500 * time.Millisecond},
	}
	got, err := a.Rooms(ctx)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("rooms read on a:\n%+v, %v\nwant\n%+v", got, err, want)
	}
	if created, err := a.CreateRoom(ctx, "lobby", "carol"); err != nil || created {
		t.Fatalf("create of a room with settings: %v, %v", created, err)
	}
}

// Bad input gets an error in words and changes nothing.
func TestNatsModerationRefusesBadInput(t *testing.T) {
	m := newNatsNode(t, NatsConfig{URLs: natstest.Start(t), Node: "a"}).Moderation()
	ctx := t.Context()
	long := strings.Repeat("x", maxRoomBytes+1)
	errs := []error{
		m.PutRestriction(ctx, Restriction{Room: "r"}),
		m.PutRestriction(ctx, Restriction{Name: "bad\xff"}),
		m.PutRestriction(ctx, Restriction{Room: long, Name: "eve"}),
		m.PutRoom(ctx, RoomSettings{Topic: "no room"}),
		m.PutRoom(ctx, RoomSettings{Room: "r", Slow: -time.Second}),
		m.PutRoom(ctx, RoomSettings{Room: "r", Moderators: []string{"\xfe"}}),
	}
	_, err := m.CreateRoom(ctx, "", "alice")
	errs = append(errs, err)
	_, err = m.RemoveRestriction(ctx, long, "eve", false)
	errs = append(errs, err)
	_, err = m.AddAudit(ctx, AuditEntry{Action: model.TypeKick, Reason: "\xff"})
	errs = append(errs, err)
	for _, limit := range []int{0, -1} {
		_, _, err = m.Audit(ctx, "", 0, limit)
		errs = append(errs, err)
	}
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), " ") {
			t.Errorf("bad input %d: %v", i, err)
		}
	}
	rs, err1 := m.Restrictions(ctx)
	rooms, err2 := m.Rooms(ctx)
	entries, more, err3 := m.Audit(ctx, "", 0, 10)
	if len(rs)+len(rooms)+len(entries) > 0 || more || errors.Join(err1, err2, err3) != nil {
		t.Fatalf("kept: %v %v %v %v, %v", rs, rooms, entries, more, errors.Join(err1, err2, err3))
	}
}

// Two nodes create the same rooms at the same moment: each room gets one
// owner, the one whose CreateRoom said true.
func TestNatsCreateRoomRace(t *testing.T) {
	url := natstest.Start(t)
	nodes := []*NatsModeration{newNatsNode(t, NatsConfig{URLs: url, Node: "a"}).Moderation(), newNatsNode(t, NatsConfig{URLs: url, Node: "b"}).Moderation()}
	const rooms = 20
	won := make([][]bool, len(nodes))
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, len(nodes)*rooms)
	for i, n := range nodes {
		won[i] = make([]bool, rooms)
		wg.Go(func() {
			<-start
			for r := range rooms {
				created, err := n.CreateRoom(t.Context(), fmt.Sprint("room", r), fmt.Sprint("owner", i))
				won[i][r] = created
				if err != nil {
					errs <- err
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	settings, err := nodes[1].Rooms(t.Context())
	if err != nil || len(settings) != rooms {
		t.Fatalf("%d rooms, %v", len(settings), err)
	}
	for _, s := range settings {
		var r int
		fmt.Sscanf(s.Room, "room%d", &r)
		owner := "owner1"
		if won[0][r] {
			owner = "owner0"
		}
		if won[0][r] == won[1][r] || s.Owner != owner {
			t.Fatalf("room %s: a created it: %v, b: %v; its owner is %q", s.Room, won[0][r], won[1][r], s.Owner)
		}
	}
}

// Entries added by two nodes at once get distinct, increasing IDs; the
// trail reads back newest first, a page at a time, of one room or of all
// (server-wide ones too).
func TestNatsAudit(t *testing.T) {
	url := natstest.Start(t)
	a, b := newNatsNode(t, NatsConfig{URLs: url, Node: "a"}).Moderation(), newNatsNode(t, NatsConfig{URLs: url, Node: "b"}).Moderation()
	const each = 15
	at := ms(time.Now())
	var wg sync.WaitGroup
	ids := make([][]uint64, 2)
	for i, n := range []*NatsModeration{a, b} {
		wg.Go(func() {
			for j := range each {
				room := []string{"red", "blue", ""}[j%3]
				id, err := n.AddAudit(t.Context(), AuditEntry{At: at, Action: model.TypeBan, Room: room, Actor: fmt.Sprint("node", i),
					Target: fmt.Sprint("t", j), Reason: "r", Duration: 90 * time.Second, Seq: uint64(j), Detail: "d", ID: 999})
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = append(ids[i], id)
			}
		})
	}
	wg.Wait()
	all := slices.Concat(ids[0], ids[1])
	slices.Sort(all)
	if len(slices.Compact(slices.Clone(all))) != 2*each || !slices.IsSorted(ids[0]) || !slices.IsSorted(ids[1]) {
		t.Fatalf("ids: %v", ids)
	}
	read := auditPages(t, a, "", 4)
	if len(read) != 2*each || read[0].ID != all[len(all)-1] || read[len(read)-1].ID != all[0] {
		t.Fatalf("read %d entries, newest %d, oldest %d; ids %v", len(read), read[0].ID, read[len(read)-1].ID, all)
	}
	e := read[0]
	if e.At != at || e.Action != model.TypeBan || e.Actor == "" || e.Reason != "r" || e.Duration != 90*time.Second || e.Detail != "d" {
		t.Fatalf("entry read back: %+v", e)
	}
	red := auditPages(t, b, "red", 3)
	if len(red) != 2*((each+2)/3) {
		t.Fatalf("%d entries of red", len(red))
	}
	for _, e := range red {
		if e.Room != "red" {
			t.Fatalf("an entry of %q among red's", e.Room)
		}
	}
}

// auditPages reads room's trail, limit entries a page, and checks that
// the pages go back, newest first, without a repeat.
func auditPages(t *testing.T, m *NatsModeration, room string, limit int) []AuditEntry {
	t.Helper()
	var all []AuditEntry
	before := uint64(0)
	for range 1000 {
		page, more, err := m.Audit(t.Context(), room, before, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > limit || (more && len(page) < limit) {
			t.Fatalf("a page of %d, more=%v, limit %d", len(page), more, limit)
		}
		for _, e := range page {
			if before != 0 && e.ID >= before {
				t.Fatalf("entry %d after before=%d", e.ID, before)
			}
			before = e.ID
		}
		all = append(all, page...)
		if !more {
			return all
		}
	}
	t.Fatal("paging the audit trail did not end")
	return nil
}

// What moderation keeps survives the brokers and NATS itself restarting
// on its store: a new broker reads the restrictions, the rooms, the
// audit trail and a tombstone back, and IDs go on increasing.
func TestNatsModerationSurvivesRestart(t *testing.T) {
	ns := natstest.StartServer(t)
	ctx := t.Context()
	n := newNatsNode(t, NatsConfig{URLs: ns.URL(), Node: "a"})
	m := n.Moderation()
	ban := Restriction{Room: "r", Name: "eve", Until: ms(time.Now().Add(time.Hour)), By: "mod", Reason: "spam", At: ms(time.Now())}
	talk := &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "eve", Room: "r", Content: "spam"}
	n.publish(t, talk)
	_, err := n.Delete(ctx, "r", talk.Seq, "mod")
	var created bool
	if err == nil {
		err = m.PutRestriction(ctx, ban)
	}
	if err == nil {
		created, err = m.CreateRoom(ctx, "r", "alice")
	}
	first, err2 := m.AddAudit(ctx, AuditEntry{Action: model.TypeBan, Room: "r", Actor: "mod", Target: "eve"})
	if err := errors.Join(err, err2); err != nil || !created {
		t.Fatal(created, err)
	}
	n.Close()
	ns.Stop()
	ns.Restart()

	n = newNatsNode(t, NatsConfig{URLs: ns.URL(), Node: "a2"})
	m = n.Moderation()
	rs, err1 := m.Restrictions(ctx)
	rooms, err2 := m.Rooms(ctx)
	second, err3 := m.AddAudit(ctx, AuditEntry{Action: model.TypeUnban, Room: "r", Actor: "mod", Target: "eve"})
	entries, _, err4 := m.Audit(ctx, "r", 0, 10)
	msgs, _, err5 := n.Before(ctx, "r", 0, 10)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rs, []Restriction{ban}) || !reflect.DeepEqual(rooms, []RoomSettings{{Room: "r", Owner: "alice"}}) {
		t.Fatalf("after the restart: %+v, %+v", rs, rooms)
	}
	if second <= first || len(entries) != 2 || entries[0].ID != second || entries[1].ID != first {
		t.Fatalf("audit ids %d then %d; read %+v", first, second, entries)
	}
	if len(msgs) != 1 || msgs[0].Type != model.TypeDelete || msgs[0].Seq != talk.Seq || msgs[0].By != "mod" {
		t.Fatalf("history after the restart: %v", msgs)
	}
}

// The context of a read without a deadline still ends it: a watch of the
// bucket is bounded by modTimeout, and by the caller's context.
func TestNatsModerationReadEndsWithItsContext(t *testing.T) {
	m := newNatsNode(t, NatsConfig{URLs: natstest.Start(t), Node: "a"}).Moderation()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := m.Restrictions(ctx); err == nil {
		t.Fatal("a read with an ended context succeeded")
	}
}

// A default room's subject among the audit trail's is refused at start,
// in words, before NATS is reached.
func TestNatsAuditSubjectIsNoRoomsSubject(t *testing.T) {
	_, err := NewNatsBroker(t.Context(), NatsConfig{URLs: "nats://127.0.0.1:1", Subject: "chatroom.audit.x"}, nil)
	if err == nil || !strings.Contains(err.Error(), "the audit trail's") {
		t.Fatalf("started with the audit trail's subject: %v", err)
	}
}
