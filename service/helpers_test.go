package service

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"

	"chatroom/model"
)

// payloadFramer is a Framer without a transport: a frame is its message's
// encoding. The server's WebSocket framer, and its batch elements, are
// tested with ctrl.
type payloadFramer struct{}

func (payloadFramer) Frame(typ string, head []byte, more [][]byte) *Frame {
	return &Frame{Type: typ, Alone: head, More: more}
}

// recorder is a Member that keeps what it is sent; full makes its queue
// refuse everything, like a client that stopped reading.
type recorder struct {
	name   string
	mu     sync.Mutex
	got    []*model.ChatRoomRequest
	full   bool
	closed *Disconnect // why it was closed; nil while open
}

func (r *recorder) Name() string { return r.name }

func (r *recorder) Send(f *Frame) SendResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed != nil {
		return MemberClosed
	}
	if r.full {
		return QueueFull
	}
	m, err := model.Decode(payload(f))
	if err != nil {
		panic(err)
	}
	r.got = append(r.got, m)
	return Queued
}

func (r *recorder) Close(d Disconnect) {
	r.mu.Lock()
	if r.closed == nil {
		r.closed = &d
	}
	r.mu.Unlock()
}

// closedWith returns the close code m was given, 0 if none.
func (r *recorder) closedWith() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed == nil {
		return 0
	}
	return r.closed.Code()
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

func newHub(t *testing.T, cfg HubConfig) *Hub {
	t.Helper()
	log, _ := logtest.NewNullLogger()
	h, err := NewHub(NewMemoryBroker(), payloadFramer{}, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// join connects a member named name, in rooms (none: the default room).
func join(t *testing.T, h *Hub, name string, rooms ...string) *recorder {
	t.Helper()
	m := &recorder{name: name}
	if len(rooms) == 0 {
		rooms = []string{h.DefaultRoom()}
	}
	if err := h.Claim(context.Background(), name, rooms); err != nil {
		t.Fatal(err)
	}
	if err := h.Connect(context.Background(), m, Arrival{Rooms: rooms}); err != nil {
		t.Fatal(err)
	}
	return m
}

// lobbyList is the default room's user list frame.
func lobbyList(h *Hub) *Frame {
	r := h.room(h.DefaultRoom())
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.userListLocked()
}

// payload is a frame's message as a client reads it.
func payload(f *Frame) []byte { return bytes.Join(append([][]byte{f.Alone}, f.More...), nil) }

// decode reads a frame back the way a client would.
func decode(t *testing.T, f *Frame) *model.ChatRoomRequest {
	t.Helper()
	m, err := model.Decode(payload(f))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const (
	// How long a test waits for the nodes to get somewhere, unless it says.
	eventually = 10 * time.Second
	// How often a waiting test looks again.
	pollEvery = 5 * time.Millisecond
)

// received is an error unless m received what, as types lists it
// ("leave:ghost").
func received(m *recorder, what string) error {
	if !slices.Contains(m.types(), what) {
		return fmt.Errorf("%s has not received %q", m.name, what)
	}
	return nil
}

// heard is an error unless m received a talk saying content.
func heard(m *recorder, content string) error {
	if _, c := m.talks(); !slices.Contains(c, content) {
		return fmt.Errorf("%s has not heard %q", m.name, content)
	}
	return nil
}

// talks returns the seqs and contents of the talks m received.
func (r *recorder) talks() (seqs []uint64, contents []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.got {
		if m.Type == model.TypeTalk {
			seqs = append(seqs, m.Seq)
			contents = append(contents, m.Content)
		}
	}
	return seqs, contents
}

// online says whether name itself is online, as b knows it.
func online(b Broker, name string) bool {
	holder, ok := b.Holder(name)
	return ok && holder == name
}
