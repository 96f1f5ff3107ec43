package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// A small run of every store prints both tables, with a cell for each
// store and mode.
func TestRunSmall(t *testing.T) {
	o := options{messages: 3000, dir: t.TempDir(), rooms: 2, fillBatch: 500, reads: 50,
		writeTime: 20 * time.Millisecond, maxWrite: 1000, stores: "sqlite,sqlite-plain,bbolt"}
	var out strings.Builder
	if err := run(o, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| fill: 3,000 talks in batches of 500 |", "of a room of 1,500: p50 / p99 |",
		"bbolt, NoSync", "| 1000 | ", "talks/s (p99 "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the tables lack %q:\n%s", want, out.String())
		}
	}
	// A second run on the same folder refuses the filled stores.
	if err := run(o, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "delete it first") {
		t.Errorf("a second run on the same -dir: %v, want an error saying to delete it", err)
	}
}

// Bad flags get an error in words.
func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{}, {"-dir", "x", "-messages", "10"}, {"-dir", "x", "-stores", "mysql"}, {"-dir", "x", "extra"},
		{"-dir", "x", "-reads", "0"},
	} {
		o, err := parseFlags(args, io.Discard)
		if err == nil {
			_, err = candidates(o.stores)
		}
		if err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
