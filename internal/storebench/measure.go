package main

// This file owns the measurements: filling a store, its size on disk,
// reading 100 talks before random seqs, start-up (cold and warm), and
// writing talks in batches in each mode.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"chatroom/model"
)

// result is what was measured of one candidate.
type result struct {
	filled    int           // talks stored by fill
	fillTime  time.Duration // to store them
	fillCPU   time.Duration // of this process (user and system) meanwhile
	size      int64         // bytes of its files after fill and Close
	allocated int64         // of which allocated on disk
	readP50   time.Duration // Before(100) at random seqs of the first room
	readP99   time.Duration
	reads     int
	coldStart time.Duration // open, LastSeq, first Before, files out of the page cache
	warmStart time.Duration // the same with the files in the page cache
	writes    map[string]map[int]writeResult
}

// writeResult is the rate of writing talks in batches of one size.
type writeResult struct {
	perSecond float64       // talks stored per second
	p99       time.Duration // of one Append (one commit)
}

// cpuTime is the processor time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fill stores n talks in batches of batch, round robin over rooms.
func fill(j journal, n, batch int, rooms []string, progress func(done int)) (time.Duration, error) {
	tk := newTalker(1, rooms, j.LastSeq())
	start := time.Now()
	for done := 0; done < n; {
		evs := tk.batch(min(batch, n-done))
		if err := j.Append(evs); err != nil {
			return 0, fmt.Errorf("fill at seq %d: %w", evs[0].Seq, err)
		}
		done += len(evs)
		progress(done)
	}
	return time.Since(start), nil
}

// dirSize is the bytes of the files in dir, as their sizes say and as
// allocated on disk (less where a file has holes).
func dirSize(dir string) (size, allocated int64, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, err
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return 0, 0, err
		}
		if !info.Mode().IsRegular() {
			continue
		}
		size += info.Size()
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			allocated += st.Blocks * 512
		}
	}
	return size, allocated, nil
}

// readBefore times count Before(conv, seq, 100) at random seqs in
// [lo, hi], and checks each answer.
func readBefore(j journal, conv string, count int, lo, hi uint64) (p50, p99 time.Duration, err error) {
	rnd := rand.New(rand.NewPCG(2, 17))
	times := make([]time.Duration, 0, count)
	ctx := context.Background()
	for range count {
		before := lo + rnd.Uint64N(hi-lo+1)
		start := time.Now()
		msgs, _, err := j.Before(ctx, conv, before, 100)
		times = append(times, time.Since(start))
		if err != nil {
			return 0, 0, err
		}
		if len(msgs) != 100 || msgs[99].Seq >= before || msgs[0].Seq >= msgs[99].Seq {
			return 0, 0, fmt.Errorf("Before(%s, %d, 100) returned %d talks, seqs %v..", conv, before, len(msgs), seqsOf(msgs))
		}
	}
	return percentile(times, 50), percentile(times, 99), nil
}

func seqsOf(msgs []*model.ChatRoomRequest) []uint64 {
	seqs := make([]uint64, len(msgs))
	for i, m := range msgs {
		seqs[i] = m.Seq
	}
	return seqs
}

// percentile is the p-th percentile of times (which it sorts).
func percentile(times []time.Duration, p int) time.Duration {
	if len(times) == 0 {
		return 0
	}
	slices.Sort(times)
	return times[min(len(times)-1, len(times)*p/100)]
}

// startUp times opening the store in dir, its LastSeq and a first read of
// conv: with its files dropped from the page cache first if cold.
func startUp(m mode, dir, conv string, cold bool) (time.Duration, error) {
	if cold {
		if err := dropCache(dir); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	j, err := m.open(dir)
	if err != nil {
		return 0, err
	}
	defer j.Close()
	if j.LastSeq() == 0 {
		return 0, fmt.Errorf("%s: LastSeq is 0 after a fill", dir)
	}
	if msgs, _, err := j.Before(context.Background(), conv, 0, 100); err != nil || len(msgs) != 100 {
		return 0, fmt.Errorf("first read of %s: %d talks, %v", conv, len(msgs), err)
	}
	return time.Since(start), nil
}

// write appends talks in batches of batch to rooms for about d (at least
// 3 batches, at most maxTalks talks), and returns the rate.
func write(j journal, rooms []string, batch int, d time.Duration, maxTalks int) (writeResult, error) {
	tk := newTalker(uint64(batch)+3, rooms, j.LastSeq())
	var times []time.Duration
	talks := 0
	start := time.Now()
	for len(times) < 3 || (time.Since(start) < d && talks+batch <= maxTalks) {
		evs := tk.batch(batch)
		t := time.Now()
		if err := j.Append(evs); err != nil {
			return writeResult{}, err
		}
		times = append(times, time.Since(t))
		talks += batch
	}
	elapsed := time.Since(start)
	return writeResult{perSecond: float64(talks) / elapsed.Seconds(), p99: percentile(times, 99)}, nil
}

// storeDir is the folder of a candidate under root.
func storeDir(root string, c candidate) string { return filepath.Join(root, c.name) }
