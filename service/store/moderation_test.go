package store

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"chatroom/model"
	"chatroom/service"
)

// ms is a time as the store keeps it: to the millisecond.
func ms(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()) }

// restrictions calls s.Restrictions or fails.
func restrictions(t *testing.T, s *Store) []service.Restriction {
	t.Helper()
	rs, err := s.Restrictions(context.Background())
	if err != nil {
		t.Fatalf("Restrictions: %v", err)
	}
	return rs
}

// sameRestrictions fails unless got and want are equal, times compared
// as instants.
func sameRestrictions(t *testing.T, got, want []service.Restriction) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("restrictions: got %+v, want %+v", got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.Until.Equal(w.Until) || !g.At.Equal(w.At) {
			t.Fatalf("restriction %d: times %v, %v; want %v, %v", i, g.Until, g.At, w.Until, w.At)
		}
		g.Until, g.At, w.Until, w.At = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if g != w {
			t.Fatalf("restriction %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// someRestrictions are a server ban with an address, a room ban for ever
// and a mute in the same room of the same name.
func someRestrictions(now time.Time) []service.Restriction {
	return []service.Restriction{
		{Room: "", Name: "eve", Addr: netip.MustParseAddr("2001:db8::7"), Until: ms(now.Add(time.Hour)), By: "root", Reason: "spam", At: ms(now)},
		{Room: "lobby", Name: "mallory", By: "ann", Reason: "flooding", At: ms(now)},
		{Room: "lobby", Name: "mallory", Mute: true, Until: ms(now.Add(time.Minute)), By: "ann", Reason: "shouting", At: ms(now)},
	}
}

func TestRestrictionsArePutReplacedAndRemoved(t *testing.T) {
	s := openT(t, "", Options{})
	ctx := context.Background()
	if rs := restrictions(t, s); len(rs) != 0 {
		t.Fatalf("a new store keeps %v", rs)
	}
	want := someRestrictions(time.Now())
	for _, r := range want {
		if err := s.PutRestriction(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	sameRestrictions(t, restrictions(t, s), want)

	longer := want[2]
	longer.Until, longer.Reason, longer.By = time.Time{}, "still shouting", "bob"
	if err := s.PutRestriction(ctx, longer); err != nil {
		t.Fatal(err)
	}
	want[2] = longer
	sameRestrictions(t, restrictions(t, s), want)

	if ok, err := s.RemoveRestriction(ctx, "lobby", "mallory", false); !ok || err != nil {
		t.Fatalf("removing the room ban: %v, %v", ok, err)
	}
	if ok, err := s.RemoveRestriction(ctx, "lobby", "mallory", false); ok || err != nil {
		t.Fatalf("removing it again: %v, %v; want false, nil", ok, err)
	}
	if ok, err := s.RemoveRestriction(ctx, "other", "eve", false); ok || err != nil {
		t.Fatalf("removing a ban of another room: %v, %v", ok, err)
	}
	sameRestrictions(t, restrictions(t, s), []service.Restriction{want[0], want[2]})
}

func TestRestrictionsKeepNamesAndAddressesAsGiven(t *testing.T) {
	s := openT(t, "", Options{})
	ctx := context.Background()
	want := []service.Restriction{
		{Room: "lobby", Name: "Ann", Addr: netip.MustParseAddr("192.0.2.1"), By: "x"},
		{Room: "lobby", Name: "ann", Addr: netip.MustParseAddr("fe80::1%eth0"), By: "x"},
		{Room: "lobby", Name: "名字 'quoted\"", By: "x", Reason: strings.Repeat("é", 300)},
	}
	for _, r := range want {
		if err := s.PutRestriction(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	sameRestrictions(t, restrictions(t, s), want)
	if err := s.PutRestriction(ctx, service.Restriction{Room: "lobby"}); err == nil || !strings.Contains(err.Error(), "needs a name") {
		t.Fatalf("a restriction without a name: %v", err)
	}
}

func TestRoomsAreCreatedOnceAndPut(t *testing.T) {
	s := openT(t, "", Options{})
	ctx := context.Background()
	if created, err := s.CreateRoom(ctx, "lobby", ""); !created || err != nil {
		t.Fatalf("CreateRoom(lobby) = %v, %v", created, err)
	}
	if created, err := s.CreateRoom(ctx, "games", "ann"); !created || err != nil {
		t.Fatalf("CreateRoom(games) = %v, %v", created, err)
	}
	if created, err := s.CreateRoom(ctx, "games", "bob"); created || err != nil {
		t.Fatalf("CreateRoom(games) again = %v, %v; want false", created, err)
	}
	put := service.RoomSettings{Room: "lobby", Moderators: []string{"cat", "ann", "cat", "bob"},
		Topic: "welcome, 欢迎", TopicBy: "ann", Slow: 1500 * time.Millisecond}
	if err := s.PutRoom(ctx, put); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRoom(ctx, service.RoomSettings{Room: "new", Owner: "dan"}); err != nil {
		t.Fatal(err)
	}
	if put.Moderators[0] != "cat" {
		t.Fatalf("PutRoom changed its caller's moderators: %v", put.Moderators)
	}
	rooms, err := s.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []service.RoomSettings{
		{Room: "games", Owner: "ann"},
		{Room: "lobby", Moderators: []string{"ann", "bob", "cat"}, Topic: "welcome, 欢迎", TopicBy: "ann", Slow: 1500 * time.Millisecond},
		{Room: "new", Owner: "dan"},
	}
	if !reflect.DeepEqual(rooms, want) {
		t.Fatalf("Rooms = %+v\nwant %+v", rooms, want)
	}
	if created, _ := s.CreateRoom(ctx, "new", "eve"); created {
		t.Fatal("CreateRoom of a room PutRoom made says it created it")
	}
}

func TestPutRoomRefusesBadSettings(t *testing.T) {
	s := openT(t, "", Options{})
	ctx := context.Background()
	for _, c := range []struct {
		rs   service.RoomSettings
		want string
	}{
		{service.RoomSettings{}, "need the room's name"},
		{service.RoomSettings{Room: "x", Slow: -time.Second}, "slow mode -1s is negative"},
		{service.RoomSettings{Room: "x", Moderators: []string{"a\xffb"}}, "not valid UTF-8"},
	} {
		if err := s.PutRoom(ctx, c.rs); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("PutRoom(%+v) = %v, want an error saying %q", c.rs, err, c.want)
		}
	}
	if _, err := s.CreateRoom(ctx, "", "ann"); err == nil {
		t.Error("CreateRoom of no room: no error")
	}
	if rooms, _ := s.Rooms(ctx); len(rooms) != 0 {
		t.Fatalf("refused settings were kept: %+v", rooms)
	}
}

func TestModerationSurvivesAReopenAndAKill(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	ctx := context.Background()
	bans := someRestrictions(time.Now())
	for _, r := range bans {
		if err := s.PutRestriction(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	settings := service.RoomSettings{Room: "games", Owner: "ann", Moderators: []string{"bob"}, Topic: "chess", TopicBy: "ann", Slow: time.Minute}
	if err := s.PutRoom(ctx, settings); err != nil {
		t.Fatal(err)
	}
	id, err := s.AddAudit(ctx, service.AuditEntry{Action: "ban", Actor: "root", Target: "eve"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, s *Store) {
		t.Helper()
		sameRestrictions(t, restrictions(t, s), bans)
		rooms, err := s.Rooms(ctx)
		if err != nil || !reflect.DeepEqual(rooms, []service.RoomSettings{settings}) {
			t.Fatalf("%s: Rooms = %+v, %v", name, rooms, err)
		}
		entries, _, err := s.Audit(ctx, "", 0, 10)
		if err != nil || len(entries) != 1 || entries[0].ID != id || entries[0].Target != "eve" {
			t.Fatalf("%s: Audit = %+v, %v", name, entries, err)
		}
	}
	check("killed", killedCopy(t, dir)) // the files as a kill -9 leaves them
	s.Close()
	check("reopened", openT(t, dir, Options{}))
}

func TestAClosedStoreRefusesModeration(t *testing.T) {
	s := openT(t, "", Options{})
	s.Close()
	ctx := context.Background()
	_, err1 := s.Restrictions(ctx)
	err2 := s.PutRestriction(ctx, service.Restriction{Name: "x"})
	_, err3 := s.RemoveRestriction(ctx, "", "x", false)
	_, err4 := s.Rooms(ctx)
	_, err5 := s.CreateRoom(ctx, "x", "")
	err6 := s.PutRoom(ctx, service.RoomSettings{Room: "x"})
	_, err7 := s.AddAudit(ctx, service.AuditEntry{})
	_, _, err8 := s.Audit(ctx, "", 0, 1)
	_, err9 := s.Delete(ctx, "lobby", 1, "ann")
	for i, err := range []error{err1, err2, err3, err4, err5, err6, err7, err8, err9} {
		if !errors.Is(err, errClosed) || err.Error() != "history store is closed" {
			t.Errorf("call %d on a closed store: %v", i+1, err)
		}
	}
}

// TestAppendKeepsNoModerationEvent: moderation events go through the
// journal for their seqs (every node gets them in order) but are no talks:
// none is kept, and their seqs are given.
func TestAppendKeepsNoModerationEvent(t *testing.T) {
	s := openT(t, "", Options{})
	mustAppend(t, s, talk("lobby", 1, "ann", "hi"))
	var evs []*model.ChatRoomRequest
	for i, typ := range model.ModerationTypes() {
		evs = append(evs, &model.ChatRoomRequest{Type: typ, Room: "lobby", Seq: uint64(2 + i), UserName: "ann", By: "mod", TargetSeq: 1, Content: "a reason"})
	}
	mustAppend(t, s, evs...)
	mustAppend(t, s, talk("lobby", 100, "bob", "still here"))
	if got, _ := before(t, s, "lobby", 0, 100); !slices.Equal(got, []uint64{1, 100}) {
		t.Fatalf("lobby keeps %v, want the two talks [1 100]", got)
	}
	if s.LastSeq() != 100 {
		t.Fatalf("LastSeq = %d", s.LastSeq())
	}
}
