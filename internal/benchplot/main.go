// Command benchplot draws the saturation search of bench/compare.sh: for
// each server, the p99 latency and the deliveries per second against the
// deliveries per second offered, one line per server, two panels side by
// side in one PNG.
//
//	go run ./internal/benchplot -in saturation.json -out docs/saturation.png
//
// This file owns the command line and the results file; plot.go draws.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// results is what bench/compare.sh writes: the saturation steps of each
// server it measured, in the order it ran them.
type results struct {
	Clients int      `json:"clients"` // users connected in every step, each receiving every talk
	Machine string   `json:"machine"` // e.g. "2 cores, 7 GiB, go1.26.0": the picture's caption
	Servers []server `json:"servers"`
}

// server is one server's (or one protocol's) steps.
type server struct {
	Name  string `json:"name"`
	Steps []step `json:"steps"`
}

// step is one rate of the search.
type step struct {
	Rate      float64 `json:"rate"`            // talks per second, all senders together
	Offered   float64 `json:"offered_per_s"`   // deliveries per second offered: rate × clients
	Delivered float64 `json:"delivered_per_s"` // deliveries per second received
	P99Ms     float64 `json:"p99_ms"`
	Healthy   bool    `json:"healthy"` // p99 <= 1 s, nothing lost, no client lost
}

func main() { os.Exit(realMain(os.Args[1:], os.Stderr)) }

// realMain runs the command and returns its exit code.
func realMain(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchplot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "the saturation results (JSON, as bench/compare.sh writes them)")
	out := fs.String("out", "docs/saturation.png", "the PNG to write")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *in == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "benchplot: want -in FILE (and -out FILE), no arguments")
		return 2
	}
	r, err := readResults(*in)
	if err == nil {
		err = drawResults(r, *out)
	}
	if err != nil {
		fmt.Fprintln(stderr, "benchplot:", err)
		return 1
	}
	return 0
}

// readResults reads and checks the results file at path.
func readResults(path string) (*results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// check refuses results that make no picture.
func (r *results) check() error {
	steps := 0
	for _, s := range r.Servers {
		if s.Name == "" {
			return errors.New("a server without a name")
		}
		for _, st := range s.Steps {
			if st.Offered <= 0 || st.Delivered < 0 || st.P99Ms < 0 {
				return fmt.Errorf("%s: a step with offered %g/s, delivered %g/s, p99 %g ms: want offered > 0, the others >= 0", s.Name, st.Offered, st.Delivered, st.P99Ms)
			}
			steps++
		}
	}
	if steps == 0 {
		return errors.New("no saturation step to draw")
	}
	return nil
}
