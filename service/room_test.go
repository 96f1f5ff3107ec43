package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	logtest "github.com/sirupsen/logrus/hooks/test"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"chatroom/config"
	"chatroom/model"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a Member that keeps what it is sent; full makes its queue
// refuse everything, like a client that stopped reading.
type recorder struct {
	name   string
	mu     sync.Mutex
	got    []*model.ChatRoomRequest
	full   bool
	code   int
	reason string
	after  bool // closed with CloseAfterQueued
}

func (r *recorder) Name() string { return r.name }
func (r *recorder) Send(f *Frame) SendResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.code != 0 {
		return MemberClosed
	}
	if r.full {
		return QueueFull
	}
	m, err := model.Decode(payload(f)) // what goes on the wire
	if err != nil {
		panic(err)
	}
	r.got = append(r.got, m)
	return Queued
}
func (r *recorder) Close(code int, reason string) {
	r.mu.Lock()
	if r.code == 0 {
		r.code, r.reason = code, reason
	}
	r.mu.Unlock()
}
func (r *recorder) CloseAfterQueued(code int, reason string) {
	r.mu.Lock()
	if r.code == 0 {
		r.code, r.reason, r.after = code, reason, true
	}
	r.mu.Unlock()
}

func (r *recorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ts []string
	for _, m := range r.got {
		ts = append(ts, m.Type+":"+m.UserName+m.Content)
	}
	return ts
}

func newRoom(t *testing.T, cfg RoomConfig) *Room {
	t.Helper()
	log, _ := logtest.NewNullLogger()
	r, err := NewRoom(NewMemoryBroker(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func join(t *testing.T, r *Room, name string) *recorder {
	t.Helper()
	m := &recorder{name: name}
	if err := r.Claim(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	if err := r.Join(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestJoinerGetsJoinListHistoryInOrder(t *testing.T) {
	r := newRoom(t, RoomConfig{History: 2, Presence: true})
	a := join(t, r, "a")
	for i := range 3 {
		if err := r.Talk(context.Background(), a, fmt.Sprint(i)); err != nil {
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
	if s := r.Stats(); s.Users != 1 || s.LocalMembers != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// payload is a frame's payload as a client reads it: the bytes on the wire
// after the frame header (RFC 6455 section 5.2: 2, 4 or 10 bytes for a
// server's frame).
func payload(f *Frame) []byte {
	wire := bytes.Join(append([][]byte{f.Wire}, f.More...), nil)
	switch wire[1] & 0x7f {
	case 126:
		return wire[4:]
	case 127:
		return wire[10:]
	}
	return wire[2:]
}

// decode reads a frame back the way a client would, from its wire bytes and
// from its batch element.
func decode(t *testing.T, f *Frame) *model.ChatRoomRequest {
	t.Helper()
	m, err := model.Decode(payload(f))
	if err != nil {
		t.Fatal(err)
	}
	elem := bytes.Join(append([][]byte{f.Elem}, f.More...), nil)
	if len(elem) != f.ElemLen {
		t.Fatalf("ElemLen %d, element is %d bytes", f.ElemLen, len(elem))
	}
	batch, err := model.DecodeBatch(elem)
	if err != nil || len(batch) != 1 || !proto.Equal(batch[0], m) {
		t.Fatalf("batch element %v (%v), want %v", batch, err, m)
	}
	return m
}

func TestUserListIsBuiltOncePerChange(t *testing.T) {
	r := newRoom(t, RoomConfig{Presence: true})
	a := join(t, r, "a")
	f1 := r.UserList()
	if f2 := r.UserList(); f2 != f1 {
		t.Fatal("user list rebuilt without a membership change")
	}
	b := join(t, r, "李四")
	f3 := r.UserList()
	if m := decode(t, f3); f3 == f1 || m.Type != model.TypeUserList || len(m.UserList) != 2 || m.UserList["李四"] != "李四" || m.UserList["a"] != "a" {
		t.Fatalf("after a join: %v", m)
	}
	r.Leave(context.Background(), b)
	if f4 := r.UserList(); f4 == f3 || len(decode(t, f4).UserList) != 1 {
		t.Fatal("user list not rebuilt after a leave")
	}
	_ = a
}

func TestSlowMemberIsClosedOthersUnaffected(t *testing.T) {
	r := newRoom(t, RoomConfig{Presence: true})
	a := join(t, r, "a")
	slow := join(t, r, "slow")
	slow.mu.Lock()
	slow.full = true
	slow.mu.Unlock()
	for i := range 3 {
		r.Talk(context.Background(), a, fmt.Sprint(i))
	}
	if slow.code != 1008 {
		t.Fatalf("slow member closed with %d", slow.code)
	}
	if s := r.Stats(); s.SlowConsumers != 1 {
		t.Fatalf("stats %+v", s)
	}
	if got := a.types(); len(got) != 6 { // join:a userlist join:slow talk×3
		t.Fatalf("a got %v", got)
	}
}

func TestNamesAreClaimedOnce(t *testing.T) {
	b := NewMemoryBroker()
	ctx := context.Background()
	if err := b.Claim(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if err := b.Claim(ctx, "x"); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("second claim: %v", err)
	}
	b.Release("x")
	if err := b.Claim(ctx, "x"); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	b.Close()
	if err := b.Publish(ctx, &model.ChatRoomRequest{Type: model.TypeTalk}); !errors.Is(err, ErrBrokerClosed) {
		t.Fatalf("publish after close: %v", err)
	}
}

func TestGuestNames(t *testing.T) {
	r := newRoom(t, RoomConfig{})
	seen := map[string]bool{}
	for range 100 {
		n, err := r.ClaimGuest(context.Background())
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
	r, err := NewRoom(b, RoomConfig{Presence: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	a := join(t, r, "a")
	if err := b.Publish(context.Background(), event(model.TypeLeave, "nobody", "")); err != nil {
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
			r, err := NewRoom(b, RoomConfig{History: 5, Presence: true}, log)
			if err != nil {
				t.Fatal(err)
			}
			alice, bob := join(t, r, "alice"), join(t, r, "bob")
			if err := r.Talk(context.Background(), bob, "hi"); err != nil {
				t.Fatal(err)
			}
			if err := b.Publish(context.Background(), event(typ, "alice", "")); err != nil {
				t.Fatal(err)
			}
			alice.mu.Lock()
			code, reason, after, last := alice.code, alice.reason, alice.after, alice.got[len(alice.got)-1]
			alice.mu.Unlock()
			if code != 1012 || reason != config.ReasonClaimLost || !after {
				t.Fatalf("alice closed with %d %q (after queued: %v)", code, reason, after)
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
			if typ == model.TypeJoin && r.Stats().Users != 2 {
				t.Fatalf("the new alice is not listed: %d users", r.Stats().Users)
			}
		})
	}
}
