package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"chatroom/model"
)

// testJournal is a Journal in memory, for the broker's writer and the
// room's catch-up; fail makes every Append fail, like a full disk. The
// store on disk is service/store, tested there and through the server.
type testJournal struct {
	mu      sync.Mutex
	convs   map[string][]*model.ChatRoomRequest
	last    uint64
	appends int
	floor   map[string]uint64 // the highest seq trimmed, per conversation
	fail    error
}

func newTestJournal() *testJournal {
	return &testJournal{convs: make(map[string][]*model.ChatRoomRequest), floor: make(map[string]uint64)}
}

func (j *testJournal) Append(evs []*model.ChatRoomRequest) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.fail != nil {
		return j.fail
	}
	j.appends++
	for _, ev := range evs {
		j.last = max(j.last, ev.Seq)
		if ev.Type == model.TypeTalk {
			c := model.ConversationOf(ev)
			j.convs[c] = append(j.convs[c], cloneEvent(ev))
		}
	}
	return nil
}

func (j *testJournal) LastSeq() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.last
}

// trim drops conv's talks up to seq, as retention would.
func (j *testJournal) trim(conv string, seq uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.convs[conv] = slices.DeleteFunc(j.convs[conv], func(ev *model.ChatRoomRequest) bool { return ev.Seq <= seq })
	j.floor[conv] = max(j.floor[conv], seq)
}

func (j *testJournal) setFail(err error) {
	j.mu.Lock()
	j.fail = err
	j.mu.Unlock()
}

func (j *testJournal) Before(_ context.Context, conv string, before uint64, limit int) ([]*model.ChatRoomRequest, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	all := j.convs[conv]
	end := len(all)
	if before > 0 {
		end, _ = slices.BinarySearchFunc(all, before, func(ev *model.ChatRoomRequest, s uint64) int { return cmpSeq(ev.Seq, s) })
	}
	start := max(0, end-limit)
	return clones(all[start:end]), start > 0, nil
}

func (j *testJournal) After(_ context.Context, conv string, after, upto uint64, limit int) ([]*model.ChatRoomRequest, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []*model.ChatRoomRequest
	for _, ev := range j.convs[conv] {
		if ev.Seq > after && ev.Seq <= upto && len(out) < limit {
			out = append(out, cloneEvent(ev))
		}
	}
	return out, after >= j.floor[conv], nil
}

func (j *testJournal) Search(_ context.Context, conv, query string, before uint64, limit int) ([]*model.ChatRoomRequest, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []*model.ChatRoomRequest
	all := j.convs[conv]
	for i := len(all) - 1; i >= 0; i-- {
		ev := all[i]
		if (before == 0 || ev.Seq < before) && strings.Contains(strings.ToLower(ev.Content), strings.ToLower(query)) {
			if len(out) == limit {
				return out, true, nil
			}
			out = append(out, cloneEvent(ev))
		}
	}
	return out, false, nil
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cloneEvent(ev *model.ChatRoomRequest) *model.ChatRoomRequest {
	return &model.ChatRoomRequest{Type: ev.Type, UserName: ev.UserName, Content: ev.Content, Timestamp: ev.Timestamp, Seq: ev.Seq, Room: ev.Room, To: ev.To}
}

func clones(evs []*model.ChatRoomRequest) []*model.ChatRoomRequest {
	out := make([]*model.ChatRoomRequest, len(evs))
	for i, ev := range evs {
		out[i] = cloneEvent(ev)
	}
	return out
}

var _ Journal = (*testJournal)(nil)

// errDiskFull is what a test journal that fails says.
var errDiskFull = errors.New("database or disk is full")
