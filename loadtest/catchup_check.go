package main

// The catchup scenario's verdict. A room's full sequence is every talk of
// the run that any of its members holds (each talk's id says who sent it
// and its number, and its seq is the room's), checked against what the
// senders wrote: a talk written and neither held by anyone nor refused is
// unconfirmed (senders wait for their own talks to come back before they
// drop, so none is in flight when a connection goes). Then each healthy
// member must hold exactly the room's full sequence: every talk once, in
// seq order.

import (
	"errors"
	"fmt"
	"io"
	"slices"
)

// catchupCounts is the catchup scenario's part of a run's summary.
type catchupCounts struct {
	Rooms      int     `json:"rooms"`
	PerUser    int     `json:"rooms_per_user"`
	DropEvery  float64 `json:"drop_every_s"`
	DropShare  float64 `json:"drop_share"`
	DropFor    float64 `json:"drop_for_s"`
	Abrupt     int64   `json:"drops_abrupt"`   // connections closed with no close frame
	Clean      int64   `json:"drops_clean"`    // connections ended with exit and the close handshake
	Reconnects int64   `json:"reconnects"`     // users back with since
	NotBack    int64   `json:"reconnect_fail"` // users that could not come back
	Replays    int64   `json:"catchup_frames"` // catch-up history frames received
	Replayed   int64   `json:"talks_replayed"` // talks of the run in them
	RoomTalks  int64   `json:"room_talks"`     // the rooms' full sequences' talks, all rooms
	Expected   int64   `json:"expected"`       // each healthy member × its room's full sequence
	Held       int64   `json:"held_once"`      // of those, held (once)
	// Gaps are talks of a member's room it does not hold, that no gap
	// notice announced; Announced, those a gap notice did.
	Gaps      int64 `json:"gaps"`
	Announced int64 `json:"announced_missing"`
	// Duplicates are talks a member holds more than once; OutOfOrder,
	// talks whose seq is not above every one it held before in the room.
	Duplicates  int64 `json:"duplicates"`
	OutOfOrder  int64 `json:"out_of_order"`
	GapNotices  int64 `json:"gap_notices"`
	Unconfirmed int64 `json:"unconfirmed"`  // written, not refused, held by no one
	SeqMismatch int64 `json:"seq_mismatch"` // a talk held with different seqs by different members
	NonMember   int64 `json:"to_non_members"`
	WrongRoom   int64 `json:"wrong_room_field"`
	// Examples are the first few faults found, for a person to look up.
	Examples []string `json:"examples,omitempty"`
}

// maxExamples is how many faults a run describes.
const maxExamples = 5

// wrong is what must not happen, besides gaps (counted as lost).
func (c *catchupCounts) wrong() int64 {
	if c == nil {
		return 0
	}
	return c.Duplicates + c.OutOfOrder + c.Unconfirmed + c.SeqMismatch + c.NonMember + c.WrongRoom
}

// checkCatchup refuses catchup options that do not make a run.
func (o *options) checkCatchup() error {
	switch {
	case o.dropEvery <= 0 || o.dropFor <= 0:
		return errors.New("-drop-every and -drop-for must be > 0")
	case o.dropShare < 0 || o.dropShare > 1:
		return errors.New("-drop-share must be 0 .. 1")
	case o.clients > o.perProcess:
		return fmt.Errorf("the catchup scenario runs in one process: at most -per-process (%d) clients", o.perProcess)
	}
	return o.checkRooms()
}

// check compares each healthy user's talks, room by room, with the room's
// full sequence. For after the readers have returned.
func (c *catchupRun) check() *catchupCounts {
	o := c.o
	k := &catchupCounts{Rooms: o.rooms, PerUser: o.roomsPer, DropEvery: o.dropEvery.Seconds(), DropShare: o.dropShare, DropFor: o.dropFor.Seconds(),
		Abrupt: c.drops.abrupt.Load(), Clean: c.drops.clean.Load(), Reconnects: c.drops.reconnects.Load(), NotBack: c.drops.failures.Load()}
	full := c.fullSequences(k)
	c.unconfirmed(k, full)
	seen := map[uint64]bool{}
	for _, cl := range c.clients {
		h := cl.h
		k.Replays += h.replays.Load()
		k.Replayed += h.replayed.Load()
		k.GapNotices += h.gaps.Load()
		k.NonMember += h.nonMember.Load()
		k.WrongRoom += h.wrongRoom.Load()
		for j, r := range h.rooms {
			clear(seen)
			k.member(h, j, full[r], seen, !cl.failed.Load())
		}
	}
	for _, f := range full {
		k.RoomTalks += int64(len(f))
	}
	return k
}

// fullSequences is, by room, every talk any member holds: id to seq.
func (c *catchupRun) fullSequences(k *catchupCounts) []map[uint64]uint64 {
	full := make([]map[uint64]uint64, c.o.rooms)
	for r := range full {
		full[r] = map[uint64]uint64{}
	}
	for _, cl := range c.clients {
		for j, r := range cl.h.rooms {
			for _, t := range cl.h.held[j] {
				if seq, ok := full[r][t.id]; ok && seq != t.seq {
					k.SeqMismatch++
					k.example("talk %d.%d in %s has seq %d for user %d, %d for another", senderOf(t.id), uint32(t.id), roomName(c.o.roomPrefix, r), t.seq, cl.h.number, seq)
					continue
				}
				full[r][t.id] = t.seq
			}
		}
	}
	return full
}

// unconfirmed counts the talks each sender wrote that are neither refused
// nor in their room's full sequence.
func (c *catchupRun) unconfirmed(k *catchupCounts, full []map[uint64]uint64) {
	have := map[[2]int]int64{} // sender, room: talks in the full sequence
	for r, f := range full {
		for id := range f {
			have[[2]int{senderOf(id), r}]++
		}
	}
	for _, cl := range c.clients {
		for j, r := range cl.h.rooms {
			if n := cl.h.written[j].Load() - cl.h.refused[j].Load() - have[[2]int{cl.h.number, r}]; n > 0 {
				k.Unconfirmed += n
				k.example("user %d wrote %d talks to %s that no one holds and the server did not refuse", cl.h.number, n, roomName(c.o.roomPrefix, r))
			}
		}
	}
}

// member checks what user h holds in its slot j against its room's full
// sequence; seen is an empty map to use. Gaps count only for a healthy
// member.
func (k *catchupCounts) member(h *holding, j int, full map[uint64]uint64, seen map[uint64]bool, healthy bool) {
	room := roomName(string(h.prefix), h.rooms[j])
	var last uint64
	for _, t := range h.held[j] {
		if seen[t.id] {
			k.Duplicates++
			k.example("user %d holds talk %d.%d (seq %d) in %s twice", h.number, senderOf(t.id), uint32(t.id), t.seq, room)
			continue
		}
		seen[t.id] = true
		if t.seq <= last {
			k.OutOfOrder++
			k.example("user %d got seq %d after seq %d in %s", h.number, t.seq, last, room)
		}
		last = max(last, t.seq)
	}
	if !healthy {
		return
	}
	k.Expected += int64(len(full))
	var missing []uint64
	for id, seq := range full {
		if seen[id] {
			k.Held++
		} else {
			missing = append(missing, seq)
		}
	}
	slices.Sort(missing)
	for _, seq := range missing {
		if slices.ContainsFunc(h.notices[j], func(g gapNotice) bool { return g.covers(seq) }) {
			k.Announced++
			continue
		}
		k.Gaps++
		k.example("user %d lacks seq %d in %s (gap notices since, first: %v)", h.number, seq, room, h.notices[j])
	}
}

// example keeps a description of a fault, if there are few so far.
func (k *catchupCounts) example(format string, args ...any) {
	if len(k.Examples) < maxExamples {
		k.Examples = append(k.Examples, fmt.Sprintf(format, args...))
	}
}

// print prints the catchup scenario's drops and verdict.
func (k *catchupCounts) print(w io.Writer) {
	fmt.Fprintf(w, "drops              every %.1f s %.0f%% of the users for %.1f s: %d abrupt (no close frame), %d clean (exit); %d came back, %d could not\n",
		k.DropEvery, 100*k.DropShare, k.DropFor, k.Abrupt, k.Clean, k.Reconnects, k.NotBack)
	fmt.Fprintf(w, "catch-up           %d history frames replaying %d talks\n", k.Replays, k.Replayed)
	fmt.Fprintf(w, "rooms' talks       %d; expected held %d (each member × its room's), held once %d\n", k.RoomTalks, k.Expected, k.Held)
	fmt.Fprintf(w, "gaps               %d (and %d announced by %d gap notices)\n", k.Gaps, k.Announced, k.GapNotices)
	fmt.Fprintf(w, "duplicates         %d\n", k.Duplicates)
	fmt.Fprintf(w, "out of order       %d\n", k.OutOfOrder)
	fmt.Fprintf(w, "unconfirmed        %d (written, not refused, held by no one); seq mismatches %d\n", k.Unconfirmed, k.SeqMismatch)
	fmt.Fprintf(w, "to non-members     %d (wrong room field %d)\n", k.NonMember, k.WrongRoom)
	for _, e := range k.Examples {
		fmt.Fprintf(w, "example            %s\n", e)
	}
}
