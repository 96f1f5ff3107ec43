package service

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"chatroom/internal/poll"
	"chatroom/model"
)

// The name index agrees with sorting the set afresh, through random joins
// and leaves, for every cursor and prefix asked: a walk by pages gets each
// matching name once, in order.
func TestNameIndexPagesMatchASort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	l := newUserList()
	online := map[string]bool{}
	for step := range 6000 {
		name := fmt.Sprintf("%s%d", []string{"Ann", "ann", "BOB", "用户", "Ｃat"}[rng.IntN(5)], rng.IntN(400))
		if online[name] {
			l.remove(name)
			delete(online, name)
		} else {
			l.add(name)
			online[name] = true
		}
		if step == 100 {
			l.pages() // indexed from here on
		}
		if step >= 100 && step%7 == 0 {
			checkFirstPage(t, l)
		}
		if step%500 != 0 || step < 100 {
			continue
		}
		for _, prefix := range []string{"", "ann", "b", "用户1", "cat", "zz"} {
			checkWalk(t, l.pages(), online, prefix, 1+rng.IntN(60))
		}
	}
}

// checkWalk walks x by pages of limit names with prefix, and compares the
// walk with the sorted set.
func checkWalk(t *testing.T, x *nameIndex, online map[string]bool, prefix string, limit int) {
	t.Helper()
	var want []sortedName
	for n := range online {
		if k := (sortedName{model.FoldName(n), n}); strings.HasPrefix(k.fold, model.FoldName(prefix)) {
			want = append(want, k)
		}
	}
	slices.SortFunc(want, compareSorted)
	var got []string
	cursor := ""
	for range len(online) + 2 {
		page, more := x.page(cursor, model.FoldName(prefix), limit)
		got = append(got, page...)
		if !more {
			break
		}
		cursor = page[len(page)-1]
	}
	if len(got) != len(want) {
		t.Fatalf("prefix %q by %d: %d names, want %d", prefix, limit, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i].name {
			t.Fatalf("prefix %q by %d: name %d is %q, want %q", prefix, limit, i, got[i], want[i].name)
		}
	}
	if x.len() != len(online) {
		t.Fatalf("index of %d names, want %d", x.len(), len(online))
	}
}

// checkFirstPage compares l's cached first page with one built afresh.
func checkFirstPage(t *testing.T, l *userList) {
	t.Helper()
	body, cursor := l.firstPage()
	names, more := l.pages().page("", "", FirstPage)
	var want []byte
	for _, n := range names {
		want = appendUserEntry(want, n)
	}
	if !bytes.Equal(body, want) || (cursor != "") != more || (more && cursor != names[len(names)-1]) {
		t.Fatalf("cached first page of %d bytes, cursor %q; want %d bytes (%d names, more %v)", len(body), cursor, len(want), len(names), more)
	}
}

// Fold order: case and width do not matter, then the name breaks ties.
func TestFoldOrder(t *testing.T) {
	x := newNameIndex([]string{"bob", "Alice", "ａｌｉｃｅ2", "alice", "ALICE1"})
	got, more := x.page("", "", 10)
	if want := []string{"Alice", "alice", "ALICE1", "ａｌｉｃｅ2", "bob"}; !slices.Equal(got, want) || more {
		t.Fatalf("order %v, want %v", got, want)
	}
	if got, _ := x.page("Alice", model.FoldName("ALI"), 10); !slices.Equal(got, []string{"alice", "ALICE1", "ａｌｉｃｅ2"}) {
		t.Fatalf("after Alice, prefix ALI: %v", got)
	}
}

// A coalescing member gets the window's joins and leaves in one presence
// frame with no seq; a room dropped with a flush armed stops it, and the
// flush, were it to run, does nothing.
func TestPresenceFlushAndDrop(t *testing.T) {
	h := newHub(t, HubConfig{Presence: true, PresenceWindow: 500 * time.Millisecond})
	watcher := &recorder{name: "watcher"}
	ctx := context.Background()
	if err := h.Claim(ctx, "watcher", []string{"den"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Connect(ctx, watcher, Arrival{Rooms: []string{"den"}, Coalesce: true}); err != nil {
		t.Fatal(err)
	}
	a := join(t, h, "a", "den")
	b := join(t, h, "b", "den")
	h.Leave(ctx, a)
	var p *model.ChatRoomRequest
	poll.CheckFor(t, eventually, pollEvery, func() error {
		watcher.mu.Lock()
		defer watcher.mu.Unlock()
		for _, m := range watcher.got[3:] { // after its join, presence and list
			if m.Type == model.TypePresence {
				p = m
			}
		}
		return poll.Check(p != nil, "no presence frame yet")
	})
	// The window began with the watcher's own join, which it names too.
	if !slices.Equal(p.Joined, []string{"b", "watcher"}) || !slices.Equal(p.Left, []string{"a"}) || p.Seq != 0 || p.Count != 2 {
		t.Fatalf("presence frame %v", p)
	}
	den := h.room("den")
	h.Leave(ctx, b) // arms a flush
	h.Leave(ctx, watcher)
	if h.room("den") != nil {
		t.Fatal("den was not dropped")
	}
	den.mu.Lock()
	armed, closed := den.p.flush != nil, den.p.closed
	den.mu.Unlock()
	if armed || !closed {
		t.Fatalf("dropped room: flush armed %v, closed %v", armed, closed)
	}
	den.flushPresence() // a timer that fired as the room was dropped
}
