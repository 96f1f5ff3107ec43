package main

// This file owns the talks the benchmark writes: about 100 bytes of
// content each, words drawn from a vocabulary of some thousands (so a
// search index sees realistic terms), one in ten in Chinese, from 2000
// users, in the rooms given, with one growing seq.

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"strings"

	"chatroom/model"
)

const (
	syllables = "ka ri to mo se na lu pe di vo ha ne si ta ro mi ge bu ja ko le sa fi tu wa de zo ni pa re"
	hanzi     = "你好大家今天我们的是在有人这中来上个到说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实"
)

// moduleVersion is the version of the module at path this binary was
// built with.
func moduleVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == path {
				return m.Version
			}
		}
	}
	return "(unknown version)"
}

// talker makes talks. It is used by one goroutine.
type talker struct {
	rnd       *rand.Rand
	syllables []string
	hanzi     []rune
	seq       uint64
	rooms     []string
	next      int // the room of the next talk, round robin
	ts        int64
}

func newTalker(seed uint64, rooms []string, seq uint64) *talker {
	return &talker{
		rnd: rand.New(rand.NewPCG(seed, 17)), syllables: strings.Fields(syllables), hanzi: []rune(hanzi),
		rooms: rooms, seq: seq, ts: 1_780_000_000_000,
	}
}

// content is about 100 bytes of text.
func (t *talker) content() string {
	var b strings.Builder
	if t.rnd.IntN(10) == 0 {
		for b.Len() < 99 {
			b.WriteRune(t.hanzi[t.rnd.IntN(len(t.hanzi))])
		}
		return b.String()
	}
	for b.Len() < 100 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		for range 1 + t.rnd.IntN(3) {
			b.WriteString(t.syllables[t.rnd.IntN(len(t.syllables))])
		}
	}
	return b.String()
}

// batch returns n talks, each in the next room in turn.
func (t *talker) batch(n int) []*model.ChatRoomRequest {
	evs := make([]*model.ChatRoomRequest, n)
	for i := range evs {
		t.seq++
		t.ts += int64(t.rnd.IntN(50))
		evs[i] = &model.ChatRoomRequest{
			Type: model.TypeTalk, Seq: t.seq, Timestamp: t.ts,
			UserName: fmt.Sprintf("user%04d", t.rnd.IntN(2000)),
			Content:  t.content(), Room: t.rooms[t.next],
		}
		t.next = (t.next + 1) % len(t.rooms)
	}
	return evs
}

// roomNames returns n rooms named prefix0, prefix1, ...
func roomNames(prefix string, n int) []string {
	rooms := make([]string, n)
	for i := range rooms {
		rooms[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return rooms
}
