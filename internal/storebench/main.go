// Command storebench compares the stores durable history could be kept
// in: SQLite (service/store, through modernc.org/sqlite) and bbolt (a
// store of the same operations in this folder). It fills each with
// -messages talks, then measures file size, reading 100 talks before a
// random seq, start-up, and writing talks in batches of 1, 10, 100 and
// 1000 in each durability mode, and prints Markdown tables.
//
//	go run ./internal/storebench -messages 10000000 -dir /tmp/storebench
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// options are the command's flags.
type options struct {
	messages  int
	dir       string
	rooms     int
	fillBatch int
	reads     int
	writeTime time.Duration
	maxWrite  int
	stores    string
}

func parseFlags(args []string, errOut io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("storebench", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.IntVar(&o.messages, "messages", 1_000_000, "talks to fill each store with")
	fs.StringVar(&o.dir, "dir", "", "folder to create the stores in (required; one sub-folder each)")
	fs.IntVar(&o.rooms, "rooms", 10, "rooms the fill spreads its talks over, round robin (the first is read from)")
	fs.IntVar(&o.fillBatch, "fill-batch", 10_000, "talks per transaction while filling")
	fs.IntVar(&o.reads, "reads", 2000, "Before(100) calls timed")
	fs.DurationVar(&o.writeTime, "write-time", 3*time.Second, "how long writes of each batch size are timed, per mode")
	fs.IntVar(&o.maxWrite, "max-write", 200_000, "most talks written per batch size and mode")
	fs.StringVar(&o.stores, "stores", "sqlite,sqlite-plain,bbolt", "stores to compare, comma-separated: sqlite (service/store), sqlite-plain (its messages table alone), bbolt")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.dir == "":
		return o, errors.New("-dir is required")
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.messages < 1000 || o.rooms < 1 || o.messages/o.rooms < 1000:
		return o, errors.New("-messages must be at least 1000 and give the first room at least 1000 talks")
	case o.fillBatch < 1 || o.reads < 1 || o.maxWrite < 1000 || o.writeTime <= 0:
		return o, errors.New("-fill-batch, -reads, -write-time must be positive and -max-write at least 1000")
	}
	return o, nil
}

// candidates are the stores -stores names.
func candidates(names string) ([]candidate, error) {
	all := map[string]func() candidate{"sqlite": sqliteCandidate, "sqlite-plain": plainSQLiteCandidate, "bbolt": boltCandidate}
	var cs []candidate
	for _, name := range strings.Split(names, ",") {
		c, ok := all[strings.TrimSpace(name)]
		if !ok {
			return nil, fmt.Errorf("-stores: unknown store %q (known: sqlite, sqlite-plain, bbolt)", name)
		}
		cs = append(cs, c())
	}
	return cs, nil
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err == nil {
		err = run(o, os.Stdout, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "storebench:", err)
		os.Exit(1)
	}
}

// loadAverage is the machine's load over 1, 5 and 15 minutes, as
// /proc/loadavg says (others' work on the machine slows the measurements).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// run measures every candidate and prints the tables to out, progress to
// log.
func run(o options, out, log io.Writer) error {
	cs, err := candidates(o.stores)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "load average before: %s\n", loadAverage())
	results := make([]result, len(cs))
	for i, c := range cs {
		if results[i], err = measure(o, c, log); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	report(out, o, cs, results)
	fmt.Fprintf(out, "\nLoad average at the end: %s (-messages %d, -rooms %d, -write-time %v)\n", loadAverage(), o.messages, o.rooms, o.writeTime)
	return nil
}
