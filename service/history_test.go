package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"

	"chatroom/internal/poll"
	"chatroom/model"
)

// newJournaledHub is a hub over a broker that writes through j, which is
// also the hub's history.
func newJournaledHub(t *testing.T, j *testJournal, cfg HubConfig) (*Hub, *MemoryBroker) {
	t.Helper()
	log, _ := logtest.NewNullLogger()
	b := NewJournaledBroker(j, cfg.History)
	cfg.Store = j
	h, err := NewHub(b, payloadFramer{}, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return h, b
}

func talkN(t *testing.T, h *Hub, m Member, room string, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if err := h.Talk(context.Background(), m, room, fmt.Sprint("m", i)); err != nil {
			t.Fatal(err)
		}
	}
}

// A journaled broker writes every talk before anyone receives it, and a
// new broker on the same journal goes on with higher seqs.
func TestJournaledBrokerWritesBeforeDelivery(t *testing.T) {
	j := newTestJournal()
	h, b := newJournaledHub(t, j, HubConfig{History: 5})
	a := join(t, h, "ann")
	talkN(t, h, a, "", 0, 20)
	seqs, contents := a.talks()
	if len(contents) != 20 {
		t.Fatalf("ann heard %d talks, want 20", len(contents))
	}
	stored, _, _ := j.Before(context.Background(), h.DefaultRoom(), 0, 100)
	if len(stored) != 20 || stored[19].Seq != seqs[19] {
		t.Fatalf("the journal holds %d talks, want the 20 delivered", len(stored))
	}
	b.Close()
	last := j.LastSeq()
	h2, _ := newJournaledHub(t, j, HubConfig{History: 5})
	bob := join(t, h2, "bob")
	// A joiner after the restart is shown the last talks, from the journal.
	if _, c := bob.talks(); !slices.Equal(c, []string{"m15", "m16", "m17", "m18", "m19"}) {
		t.Fatalf("after a restart, bob was shown %v, want the last 5 talks", c)
	}
	talkN(t, h2, bob, "", 100, 1)
	if s, _ := bob.talks(); s[len(s)-1] <= last {
		t.Fatalf("a talk after the restart has seq %d, not above %d", s[len(s)-1], last)
	}
}

// A talk the journal cannot write is refused in words and reaches no one;
// joins go on, and what is stored stays.
func TestJournaledBrokerRefusesWhatItCannotWrite(t *testing.T) {
	j := newTestJournal()
	h, _ := newJournaledHub(t, j, HubConfig{History: 5})
	a := join(t, h, "ann")
	talkN(t, h, a, "", 0, 3)
	j.setFail(errDiskFull)
	err := h.Talk(context.Background(), a, "", "lost")
	var ref *Refusal
	if !errors.As(err, &ref) || ref.Reason != RefuseNotStored || ref.Room != h.DefaultRoom() || ref.Text != "message not sent: database or disk is full" {
		t.Fatalf("a talk on a full disk: %v, want refused with \"message not sent: …\"", err)
	}
	bob := join(t, h, "bob") // presence still works
	if err := received(bob, "join:bob"); err != nil {
		t.Fatal(err)
	}
	if _, c := a.talks(); slices.Contains(c, "lost") {
		t.Fatal("a talk that was not written was delivered")
	}
	j.setFail(nil)
	talkN(t, h, bob, "", 3, 1)
	if stored, _, _ := j.Before(context.Background(), h.DefaultRoom(), 0, 100); len(stored) != 4 {
		t.Fatalf("the journal holds %d talks, want 4", len(stored))
	}
}

// catchUpTalks is what m was replayed by catch-up history frames, and the
// live talks after, in order, as contents.
func catchUpTalks(m *recorder) (got []string, gaps int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ev := range m.got {
		switch ev.Type {
		case model.TypeHistory:
			for _, t := range ev.Messages {
				got = append(got, t.Content)
			}
		case model.TypeTalk:
			got = append(got, ev.Content)
		case model.TypeGap:
			gaps++
		}
	}
	return got, gaps
}

func seqOf(t *testing.T, m *recorder, content string) uint64 {
	t.Helper()
	seqs, contents := m.talks()
	i := slices.Index(contents, content)
	if i < 0 {
		t.Fatalf("%s never heard %q", m.name, content)
	}
	return seqs[i]
}

// A member that joins saying the last seq it saw gets exactly the talks
// after it: from the ring when it holds them, else from the history.
func TestCatchUpReplaysExactlyWhatWasMissed(t *testing.T) {
	for _, ring := range []int{50, 3} {
		t.Run(fmt.Sprint("ring ", ring), func(t *testing.T) {
			j := newTestJournal()
			h, _ := newJournaledHub(t, j, HubConfig{History: ring})
			a := join(t, h, "ann", "dev")
			talkN(t, h, a, "dev", 0, 10)
			since := seqOf(t, a, "m4")
			bob := &recorder{name: "bob"}
			if err := h.Claim(context.Background(), "bob", []string{h.DefaultRoom()}); err != nil {
				t.Fatal(err)
			}
			if err := h.Connect(context.Background(), bob, Arrival{}); err != nil {
				t.Fatal(err)
			}
			if err := h.JoinSince(context.Background(), bob, "dev", false, since); err != nil {
				t.Fatal(err)
			}
			poll.CheckFor(t, eventually, pollEvery, func() error { return received(bob, "join:bob") })
			talkN(t, h, a, "dev", 10, 2)
			want := []string{"m5", "m6", "m7", "m8", "m9", "m10", "m11"}
			poll.CheckFor(t, eventually, pollEvery, func() error {
				if got, gaps := catchUpTalks(bob); !slices.Equal(got, want) || gaps != 0 {
					return fmt.Errorf("bob got %v (%d gaps), want %v", got, gaps, want)
				}
				return nil
			})
		})
	}
}

// A catch-up past what is kept, or past CatchUp talks, says so first (gap)
// and replays the latest talks.
func TestCatchUpGap(t *testing.T) {
	j := newTestJournal()
	h, _ := newJournaledHub(t, j, HubConfig{History: 2, CatchUp: 4})
	a := join(t, h, "ann", "dev")
	talkN(t, h, a, "dev", 0, 10)
	since := seqOf(t, a, "m1")
	bob := join(t, h, "bob")
	if err := h.JoinSince(context.Background(), bob, "dev", false, since); err != nil {
		t.Fatal(err)
	}
	poll.CheckFor(t, eventually, pollEvery, func() error {
		if got, gaps := catchUpTalks(bob); !slices.Equal(got, []string{"m6", "m7", "m8", "m9"}) || gaps != 1 {
			return fmt.Errorf("bob got %v (%d gaps), want the last 4 after a gap", got, gaps)
		}
		return nil
	})
	j.trim("dev", seqOf(t, a, "m8"))
	carl := join(t, h, "carl")
	if err := h.JoinSince(context.Background(), carl, "dev", false, since); err != nil {
		t.Fatal(err)
	}
	poll.CheckFor(t, eventually, pollEvery, func() error {
		if got, gaps := catchUpTalks(carl); !slices.Equal(got, []string{"m9"}) || gaps != 1 {
			return fmt.Errorf("carl got %v (%d gaps), want m9 after a gap", got, gaps)
		}
		return nil
	})
}

// lastReply is the last message m received of type typ.
func lastReply(t *testing.T, m *recorder, typ string) *model.ChatRoomRequest {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.got) - 1; i >= 0; i-- {
		if m.got[i].Type == typ {
			return m.got[i]
		}
	}
	t.Fatalf("%s received no %s", m.name, typ)
	return nil
}

// Scroll back pages to the beginning; search finds newest first.
func TestHistoryPagesAndSearch(t *testing.T) {
	j := newTestJournal()
	h, _ := newJournaledHub(t, j, HubConfig{History: 5})
	a := join(t, h, "ann")
	talkN(t, h, a, "", 0, 25)
	var all []string
	before, pages := uint64(0), 0
	for more := true; more && pages < 10; pages++ {
		if err := h.HistoryPage(context.Background(), a, "", "", before, 10); err != nil {
			t.Fatal(err)
		}
		p := lastReply(t, a, model.TypeHistory)
		var page []string
		for _, ev := range p.Messages {
			page = append(page, ev.Content)
		}
		all = append(page, all...)
		more = p.More
		before = p.Messages[0].Seq
	}
	if pages != 3 || len(all) != 25 || all[0] != "m0" || all[24] != "m24" {
		t.Fatalf("paging back took %d pages and gave %v", pages, all)
	}
	if err := h.Search(context.Background(), a, "", "", "M2", 0, 3); err != nil {
		t.Fatal(err)
	}
	r := lastReply(t, a, model.TypeSearch)
	if len(r.Messages) != 3 || r.Messages[0].Content != "m24" || !r.More {
		t.Fatalf("search: %v more=%v", r.Messages, r.More)
	}
	var ref *Refusal
	if err := h.Search(context.Background(), a, "", "", "  ", 0, 3); !errors.As(err, &ref) || ref.Reason != RefuseSearch {
		t.Fatalf("an empty query: %v", err)
	}
	if err := h.HistoryPage(context.Background(), a, "elsewhere", "", 0, 3); !errors.As(err, &ref) || ref.Reason != RefuseNotIn {
		t.Fatalf("history of a room one is not in: %v", err)
	}
}

// A member saying it saw a seq this server never gave (its history was
// reset) is told so, and shown the last talks as a new member is.
func TestCatchUpFromAResetHistory(t *testing.T) {
	j := newTestJournal()
	h, _ := newJournaledHub(t, j, HubConfig{History: 3})
	a := join(t, h, "ann", "dev")
	talkN(t, h, a, "dev", 0, 5)
	bob := join(t, h, "bob")
	if err := h.JoinSince(context.Background(), bob, "dev", false, 1<<60); err != nil {
		t.Fatal(err)
	}
	poll.CheckFor(t, eventually, pollEvery, func() error {
		if got, gaps := catchUpTalks(bob); !slices.Equal(got, []string{"m2", "m3", "m4"}) || gaps != 1 {
			return fmt.Errorf("bob got %v (%d gaps), want a gap and the last 3", got, gaps)
		}
		return nil
	})
}

// Seqs are the last plus one or the clock's microseconds, whichever is
// more: a restart without a store, a store restored from an older backup,
// or a journal ahead of the clock, never make them go back.
func TestSeqsNeverGoBack(t *testing.T) {
	start := uint64(time.Now().UnixMicro())
	h := newHub(t, HubConfig{History: 3})
	a := join(t, h, "ann")
	talkN(t, h, a, "", 0, 1)
	if s, _ := a.talks(); s[0] <= start {
		t.Fatalf("without a store, the first seq is %d, not above the clock's %d µs", s[0], start)
	}
	for _, last := range []uint64{42, start + 1<<40} { // a restored backup; ahead of the clock
		j := newTestJournal()
		j.last = last
		h, _ := newJournaledHub(t, j, HubConfig{History: 3})
		a := join(t, h, "ann")
		talkN(t, h, a, "", 0, 1)
		if s, _ := a.talks(); s[0] <= max(last, start) {
			t.Fatalf("after a journal's last seq %d, a talk has seq %d", last, s[0])
		}
	}
}
