package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// runProcesses splits the clients across child processes of this command
// (one process may hold only so many open files), lets them start sending
// at the same moment, and merges their results.
func runProcesses(ctx context.Context, o options, args []string, log io.Writer) (*summary, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("%d clients need several processes, and this one cannot find its own program: %w", o.clients, err)
	}
	procs := (o.clients + o.perProcess - 1) / o.perProcess
	// Every child connects its share over the ramp (plus time to spare),
	// then all start at once.
	start := time.Now().Add(o.ramp + 10*time.Second + time.Duration(o.clients/1000)*time.Second)
	cpu0, scpu0, rss0 := selfCPU(), procCPU(o.pid), rssMiB(o.pid)
	fmt.Fprintf(log, "%d clients: %d processes of at most %d, sending from %s\n", o.clients, procs, o.perProcess, start.Format(time.TimeOnly))
	outs := make([]bytes.Buffer, procs)
	errc := make(chan error, procs)
	var wg sync.WaitGroup
	for i := range procs {
		share := o.clients / procs
		if i < o.clients%procs {
			share++
		}
		offset := i*(o.clients/procs) + min(i, o.clients%procs)
		cargs := append(append([]string(nil), args...),
			"-child", "-pid=0", "-run-id="+o.runID, "-clients="+strconv.Itoa(share),
			"-offset="+strconv.Itoa(offset), "-total="+strconv.Itoa(o.clients), "-start="+strconv.FormatInt(start.UnixNano(), 10))
		cmd := exec.CommandContext(ctx, exe, cargs...)
		cmd.Stdout, cmd.Stderr = &outs[i], os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := cmd.Wait(); err != nil {
				errc <- fmt.Errorf("process %d: %w", i, err)
			}
		}()
	}
	// The parent watches the server while the children work.
	rss1 := rss0
	mid := time.NewTimer(time.Until(start.Add(o.duration / 2)))
	defer mid.Stop()
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	progress := time.NewTicker(o.progress)
	defer progress.Stop()
loop:
	for {
		select {
		case <-waited:
			break loop
		case <-mid.C:
			rss1 = rssMiB(o.pid)
		case <-progress.C:
			if o.pid > 0 {
				fmt.Fprintf(log, "%d processes running, server RSS %.1f MiB\n", procs, rssMiB(o.pid))
			}
		}
	}
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	rss2, scpu2 := rssMiB(o.pid), procCPU(o.pid)

	sum := &summary{Scenario: o.scenario, Protocol: o.proto, URL: o.rawURL, Processes: procs, Clients: o.clients, Errors: map[string]int{}}
	var lat histogram
	var sent int64
	var healthy int
	for i := range outs {
		var c summary
		if err := json.Unmarshal(outs[i].Bytes(), &c); err != nil {
			return nil, fmt.Errorf("process %d printed no summary: %w", i, err)
		}
		sum.Connected += c.Connected
		sum.ConnectFailures += c.ConnectFailures
		sum.FailedClients += c.FailedClients
		for k, v := range c.Errors {
			sum.Errors[k] += v
		}
		sum.Senders = c.Senders
		sum.DurationSec = max(sum.DurationSec, c.DurationSec)
		sent += c.TalksSent
		healthy += c.HealthyClients
		sum.Lost += c.Lost // minus what its healthy clients received
		sum.UserlistReplies += c.UserlistReplies
		sum.Deliveries += c.Deliveries
		sum.Frames += c.Frames
		sum.DeliveriesPerSec += c.DeliveriesPerSec
		lat.load(c.LatencyBuckets)
	}
	sum.TalksSent = sent
	sum.HealthyClients = healthy
	if o.scenario != "idle" {
		sum.Lost += int64(healthy) * sent
	}
	sum.LatencyMs = lat.latencies()
	sum.ToolCPUSec = selfCPU() - cpu0
	if o.pid > 0 {
		sum.ServerRSSMiB = []float64{rss0, rss1, rss2}
		sum.ServerCPUSec = scpu2 - scpu0
		if o.scenario == "idle" && sum.Connected > 0 {
			sum.RSSPerConnKiB = (rss1 - rss0) * 1024 / float64(sum.Connected)
		}
	}
	if sum.Deliveries > 0 {
		m := float64(sum.Deliveries) / 1e6
		sum.ToolCPUPerM = sum.ToolCPUSec / m
		if sum.ServerCPUSec > 0 {
			sum.ServerCPUPerM = sum.ServerCPUSec / m
		}
	}
	return sum, nil
}
