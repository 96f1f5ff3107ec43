package main

// This file owns the order in which one candidate is measured: fill a new
// store, its size, reads while its files are in the page cache, start-up
// cold then warm, then writes in each mode.

import (
	"fmt"
	"io"
	"time"
)

// batchSizes are the group-commit sizes writes are measured with.
func batchSizes() []int { return []int{1, 10, 100, 1000} }

func measure(o options, c candidate, log io.Writer) (result, error) {
	dir := storeDir(o.dir, c)
	rooms := roomNames("room", o.rooms)
	res := result{writes: map[string]map[int]writeResult{}}
	if err := fillStep(o, c, dir, rooms, &res, log); err != nil {
		return res, err
	}
	var err error
	if res.size, res.allocated, err = dirSize(dir); err != nil {
		return res, err
	}
	fmt.Fprintf(log, "%s: files of %d bytes, %d allocated\n", c.name, res.size, res.allocated)
	if err := readStep(o, c, dir, rooms[0], &res); err != nil {
		return res, err
	}
	fmt.Fprintf(log, "%s: Before(100) p50 %v p99 %v\n", c.name, res.readP50, res.readP99)
	if res.coldStart, err = startUp(c.modes[0], dir, rooms[0], true); err != nil {
		return res, err
	}
	if res.warmStart, err = startUp(c.modes[0], dir, rooms[0], false); err != nil {
		return res, err
	}
	fmt.Fprintf(log, "%s: start-up cold %v warm %v\n", c.name, res.coldStart, res.warmStart)
	for _, m := range c.modes {
		if err := writeStep(o, m, dir, rooms, &res, log); err != nil {
			return res, fmt.Errorf("%s: %w", m.name, err)
		}
	}
	return res, nil
}

// fillStep fills the store with o.messages talks. The store must be new.
func fillStep(o options, c candidate, dir string, rooms []string, res *result, log io.Writer) error {
	j, err := c.modes[0].open(dir)
	if err != nil {
		return err
	}
	if last := j.LastSeq(); last != 0 {
		j.Close()
		return fmt.Errorf("%s already holds talks (last seq %d): delete it first", dir, last)
	}
	next, cpu := 1_000_000, cpuTime()
	res.fillTime, err = fill(j, o.messages, o.fillBatch, rooms, func(done int) {
		if done >= next {
			fmt.Fprintf(log, "%s: filled %d talks\n", c.name, done)
			next += 1_000_000
		}
	})
	if err != nil {
		j.Close()
		return err
	}
	res.filled = o.messages
	start := time.Now()
	err = j.Close()
	res.fillTime += time.Since(start)
	res.fillCPU = cpuTime() - cpu
	fmt.Fprintf(log, "%s: filled %d talks in %v (Close included), CPU %v\n", c.name, res.filled, res.fillTime.Round(time.Millisecond), res.fillCPU.Round(time.Millisecond))
	return err
}

func readStep(o options, c candidate, dir, conv string, res *result) error {
	j, err := c.modes[0].open(dir)
	if err != nil {
		return err
	}
	defer j.Close()
	res.reads = o.reads
	// The conversation has a talk every o.rooms seqs from seq 1 on: any
	// seq from lo on has 100 talks before it.
	lo := uint64(100*o.rooms + 1)
	res.readP50, res.readP99, err = readBefore(j, conv, o.reads, lo, uint64(res.filled))
	return err
}

// writeStep appends talks in batches of each size to the first four
// rooms (or fewer), opened in mode m.
func writeStep(o options, m mode, dir string, rooms []string, res *result, log io.Writer) error {
	j, err := m.open(dir)
	if err != nil {
		return err
	}
	defer j.Close()
	res.writes[m.name] = map[int]writeResult{}
	for _, batch := range batchSizes() {
		w, err := write(j, rooms[:min(4, len(rooms))], batch, o.writeTime, o.maxWrite)
		if err != nil {
			return fmt.Errorf("batches of %d: %w", batch, err)
		}
		res.writes[m.name][batch] = w
		fmt.Fprintf(log, "%s: batches of %d: %.0f talks/s, p99 of a commit %v\n", m.name, batch, w.perSecond, w.p99)
	}
	return nil
}
