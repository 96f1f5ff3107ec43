package service

import (
	"context"
	"fmt"
	"testing"

	logtest "github.com/sirupsen/logrus/hooks/test"
	"go.uber.org/goleak"

	"chatroom/config"
	"chatroom/model"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestJoinerGetsJoinListHistoryInOrder(t *testing.T) {
	r := newHub(t, HubConfig{History: 2, Presence: true})
	a := join(t, r, "a")
	for i := range 3 {
		if err := r.Talk(context.Background(), a, "", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	b := join(t, r, "b")
	want := "[join:b userlist: talk:a1 talk:a2]"
	if got := fmt.Sprint(b.types()); got != want {
		t.Fatalf("b got %s, want %s", got, want)
	}
	if got := fmt.Sprint(a.types()); got != "[join:a userlist: talk:a0 talk:a1 talk:a2 join:b]" {
		t.Fatalf("a got %s", got)
	}
	r.Leave(context.Background(), b)
	if got := a.types(); got[len(got)-1] != "leave:b" {
		t.Fatalf("a got %v", got)
	}
	if s := r.Stats(); s.Users != 1 || s.LocalMembers != 1 || s.Rooms != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestUserListIsBuiltOncePerChange(t *testing.T) {
	h := newHub(t, HubConfig{Presence: true})
	a := join(t, h, "a")
	lobby := h.room(h.DefaultRoom())
	list := func() *Frame {
		lobby.mu.Lock()
		defer lobby.mu.Unlock()
		return lobby.userListLocked()
	}
	f1 := list()
	if f2 := list(); f2 != f1 {
		t.Fatal("user list rebuilt without a membership change")
	}
	b := join(t, h, "李四")
	f3 := list()
	if m := decode(t, f3); f3 == f1 || m.Type != model.TypeUserList || m.Room != "lobby" || len(m.UserList) != 2 || m.UserList["李四"] != "李四" || m.UserList["a"] != "a" {
		t.Fatalf("after a join: %v", m)
	}
	h.Leave(context.Background(), b)
	if f4 := list(); f4 == f3 || len(decode(t, f4).UserList) != 1 {
		t.Fatal("user list not rebuilt after a leave")
	}
	_ = a
}

func TestSlowMemberIsClosedOthersUnaffected(t *testing.T) {
	r := newHub(t, HubConfig{Presence: true})
	a := join(t, r, "a")
	slow := join(t, r, "slow")
	slow.mu.Lock()
	slow.full = true
	slow.mu.Unlock()
	for i := range 3 {
		r.Talk(context.Background(), a, "", fmt.Sprint(i))
	}
	if slow.closedWith() != 1008 {
		t.Fatalf("slow member closed with %d", slow.closedWith())
	}
	if s := r.Stats(); s.SlowConsumers != 1 {
		t.Fatalf("stats %+v", s)
	}
	if got := a.types(); len(got) != 6 { // join:a userlist join:slow talk×3
		t.Fatalf("a got %v", got)
	}
}

func TestGuestNames(t *testing.T) {
	r := newHub(t, HubConfig{})
	seen := map[string]bool{}
	for range 100 {
		n, err := r.ClaimGuest(context.Background(), []string{"lobby"})
		if err != nil || seen[n] {
			t.Fatalf("guest %q: %v", n, err)
		}
		if _, err := model.NormalizeUsername(n); err != nil {
			t.Fatalf("guest name %q breaks the rules: %v", n, err)
		}
		seen[n] = true
	}
}

// A leave for someone this room never listed (a node that listed a name
// claimed elsewhere announces that it is gone) is not shown.
func TestLeaveOfUnlistedUserIsNotShown(t *testing.T) {
	b := NewMemoryBroker()
	log, _ := logtest.NewNullLogger()
	r, err := NewHub(b, payloadFramer{}, HubConfig{Presence: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	a := join(t, r, "a")
	if err := b.Publish(context.Background(), event(model.TypeLeave, "nobody", "lobby", "")); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(a.types()); got != "[join:a userlist:]" {
		t.Fatalf("a got %s", got)
	}
}

// A leave this node did not publish for one of its members (the other nodes
// found its claim gone), or someone else's join with its name: the session
// ends with a word why, and its Leave then announces nothing, which would
// remove whoever has the name now.
func TestLostClaimEndsSession(t *testing.T) {
	for _, typ := range []string{model.TypeLeave, model.TypeJoin} {
		t.Run(typ, func(t *testing.T) {
			b := NewMemoryBroker()
			log, _ := logtest.NewNullLogger()
			r, err := NewHub(b, payloadFramer{}, HubConfig{History: 5, Presence: true}, log)
			if err != nil {
				t.Fatal(err)
			}
			alice, bob := join(t, r, "alice"), join(t, r, "bob")
			if err := r.Talk(context.Background(), bob, "", "hi"); err != nil {
				t.Fatal(err)
			}
			if err := b.Publish(context.Background(), event(typ, "alice", "lobby", "")); err != nil {
				t.Fatal(err)
			}
			alice.mu.Lock()
			d, last := alice.closed, alice.got[len(alice.got)-1]
			alice.mu.Unlock()
			if d == nil || d.Code() != 1012 || d.Reason() != "session expired while the server was cut off" || !d.Flush() {
				t.Fatalf("alice closed with %v, want 1012 after what is queued", d)
			}
			if last.Type != model.TypeError || last.Content != config.NoticeClaimLost {
				t.Fatalf("alice's last frame %v, want the notice", last)
			}
			seen := len(bob.types())
			r.Leave(context.Background(), alice)
			if got := bob.types()[seen:]; len(got) != 0 {
				t.Fatalf("the ended session's Leave sent bob %v", got)
			}
			if s := r.Stats(); s.ClaimsLost != 1 || s.LocalMembers != 1 {
				t.Fatalf("stats %+v", s)
			}
			if n := r.room("lobby").count(); typ == model.TypeJoin && n != 2 {
				t.Fatalf("the new alice is not listed: %d users", n)
			}
		})
	}
}
