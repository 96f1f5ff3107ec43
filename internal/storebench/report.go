package main

// This file owns printing the results as Markdown tables.

import (
	"fmt"
	"io"
	"strings"
	"time"
)

func report(w io.Writer, o options, cs []candidate, rs []result) {
	row := func(label string, cell func(r result) string) {
		cells := make([]string, len(rs))
		for i, r := range rs {
			cells[i] = cell(r)
		}
		fmt.Fprintf(w, "| %s | %s |\n", label, strings.Join(cells, " | "))
	}
	heads := make([]string, len(cs))
	for i, c := range cs {
		heads[i] = c.title
	}
	fmt.Fprintf(w, "| | %s |\n|---|%s\n", strings.Join(heads, " | "), strings.Repeat("---|", len(cs)))
	row(fmt.Sprintf("fill: %s talks in batches of %s", count(o.messages), count(o.fillBatch)), func(r result) string {
		return fmt.Sprintf("%.1f s (%s talks/s), CPU %.1f s", r.fillTime.Seconds(), count(int(float64(r.filled)/r.fillTime.Seconds())), r.fillCPU.Seconds())
	})
	row("files after fill: size (per million talks); allocated on disk", func(r result) string {
		return fmt.Sprintf("%s (%s); %s", mib(r.size), mib(r.size*1_000_000/int64(r.filled)), mib(r.allocated))
	})
	row("start-up, cold: open + LastSeq + first Before(100)", func(r result) string { return ms(r.coldStart) })
	row("start-up, warm (files in the page cache)", func(r result) string { return ms(r.warmStart) })
	row(fmt.Sprintf("Before(100) at %s random seqs of a room of %s: p50 / p99", count(o.reads), count(o.messages/o.rooms)),
		func(r result) string { return ms(r.readP50) + " / " + ms(r.readP99) })
	fmt.Fprintln(w)
	writeTable(w, cs, rs)
}

// writeTable has a column per mode of every candidate and a row per
// batch size.
func writeTable(w io.Writer, cs []candidate, rs []result) {
	var heads []string
	for _, c := range cs {
		for _, m := range c.modes {
			heads = append(heads, m.name)
		}
	}
	fmt.Fprintf(w, "| talks per commit | %s |\n|---|%s\n", strings.Join(heads, " | "), strings.Repeat("---|", len(heads)))
	for _, batch := range batchSizes() {
		var cells []string
		for i, c := range cs {
			for _, m := range c.modes {
				wr := rs[i].writes[m.name][batch]
				cells = append(cells, fmt.Sprintf("%s talks/s (p99 %s)", count(int(wr.perSecond)), ms(wr.p99)))
			}
		}
		fmt.Fprintf(w, "| %d | %s |\n", batch, strings.Join(cells, " | "))
	}
}

// count is n with thousands separated by commas.
func count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func ms(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", d.Seconds()*1000)
	default:
		return fmt.Sprintf("%.2f ms", d.Seconds()*1000)
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
