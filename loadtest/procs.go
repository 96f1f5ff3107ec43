package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"time"
)

// runProcesses splits the clients across child processes of this command
// (one process may hold only so many open files), lets them start sending
// at the same moment, and merges their results.
func runProcesses(ctx context.Context, o options, log io.Writer) (*summary, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("%d clients need several processes, and this one cannot find its own program: %w", o.clients+o.churn, err)
	}
	procs := (o.clients + o.churn + o.perProcess - 1) / o.perProcess
	if o.clients < procs {
		return nil, fmt.Errorf("%d processes for %d clients and %d churning users: each needs at least one client", procs, o.clients, o.churn)
	}
	// Every child connects its share over the ramp (plus time to spare),
	// then all start at once.
	start := time.Now().Add(o.ramp + 10*time.Second + time.Duration(o.clients/1000)*time.Second)
	cpu0, scpu0, rss0 := selfCPU(), procCPU(o.pid), rssMiB(o.pid)
	fmt.Fprintf(log, "%d clients and %d churning users: %d processes of at most %d, sending from %s\n", o.clients, o.churn, procs, o.perProcess, start.Format(time.TimeOnly))
	outs := make([]bytes.Buffer, procs)
	errc := make(chan error, procs)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// After sending, every child says what it sent and is told what all
	// sent (a child that died counts 0).
	talking := o.scenario == "seed" || o.scenario == "fanout"
	sentc := make(chan int64, procs)
	totals := make([]chan int64, procs)
	var wg sync.WaitGroup
	for i := range procs {
		share, offset := split(o.clients, procs, i)
		churnShare, churnOffset := split(o.churn, procs, i)
		cmd := exec.CommandContext(ctx, exe, childArgs(o, share, offset, churnShare, churnOffset, start)...)
		cmd.Env = childEnv(o)
		cmd.Stderr = os.Stderr
		stdin, err1 := cmd.StdinPipe()
		stdout, err2 := cmd.StdoutPipe()
		if err := errors.Join(err1, err2, cmd.Start()); err != nil {
			cancel() // the children started so far end too
			wg.Wait()
			return nil, err
		}
		totals[i] = make(chan int64, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := bufio.NewReader(stdout)
			if talking {
				sent := int64(0)
				if line, err := out.ReadString('\n'); err == nil {
					fmt.Sscanf(line, "sent %d", &sent)
				}
				sentc <- sent
				fmt.Fprintf(stdin, "total %d\n", <-totals[i])
			}
			stdin.Close()
			io.Copy(&outs[i], out)
			if err := cmd.Wait(); err != nil {
				errc <- fmt.Errorf("process %d: %w", i, err)
			}
		}()
	}
	if talking {
		go func() {
			var total int64
			for range procs {
				total += <-sentc
			}
			for _, t := range totals {
				t <- total
			}
		}()
	}
	// The parent watches the server while the children work.
	rss1, scpu1 := rss0, scpu0
	mid := time.NewTimer(time.Until(start.Add(o.duration / 2)))
	defer mid.Stop()
	began := time.NewTimer(time.Until(start))
	defer began.Stop()
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	progress := time.NewTicker(o.progress)
	defer progress.Stop()
loop:
	for {
		select {
		case <-waited:
			break loop
		case <-began.C:
			scpu1 = procCPU(o.pid) // talk scenarios count the server's CPU from here
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
		sum.Lost += c.Lost
		sum.Churn += c.Churn
		sum.ChurnCycles += c.ChurnCycles
		sum.ChurnFailures += c.ChurnFailures
		sum.UserlistReplies += c.UserlistReplies
		sum.Deliveries += c.Deliveries
		sum.Frames += c.Frames
		sum.DeliveriesPerSec += c.DeliveriesPerSec
		lat.load(c.LatencyBuckets)
	}
	sum.TalksSent = sent
	sum.LatencyMs = lat.latencies()
	sum.ToolCPUSec = selfCPU() - cpu0
	if o.pid > 0 {
		sum.ServerRSSMiB = []float64{rss0, rss1, rss2}
		sum.ServerCPUSec = scpu2 - scpu1
		if o.scenario == "idle" {
			sum.ServerCPUSec = scpu2 - scpu0
		}
		if o.scenario == "idle" && sum.Connected > 0 {
			sum.RSSPerConnKiB = (rss1 - rss0) * 1024 / float64(sum.Connected)
		}
	}
	sum.perMillion()
	return sum, nil
}

// split divides n things among procs processes: process i's share and the
// number of its first one.
func split(n, procs, i int) (share, first int) {
	share = n / procs
	if i < n%procs {
		share++
	}
	return share, i*(n/procs) + min(i, n%procs)
}

// childArgs is the command line of one child process: the flags this one
// was given (but the auth secret, see childEnv), then the child's share.
func childArgs(o options, share, offset, churnShare, churnOffset int, start time.Time) []string {
	return append(slices.Clone(o.flags),
		"-child", "-pid=0", "-cpuprofile=", "-run-id="+o.runID,
		"-clients="+strconv.Itoa(share), "-offset="+strconv.Itoa(offset), "-total="+strconv.Itoa(o.clients),
		"-churn="+strconv.Itoa(churnShare), "-churn-offset="+strconv.Itoa(churnOffset),
		"-start="+strconv.FormatInt(start.UnixNano(), 10))
}

// childEnv is a child process's environment: this one's, with the auth
// secret in it rather than on the command line, where ps shows it.
func childEnv(o options) []string {
	env := os.Environ()
	if o.authSecret != "" {
		env = append(env, authSecretEnv+"="+o.authSecret) // the last one counts
	}
	return env
}

// childExchange is a child process's side of the talk count exchange: it
// writes "sent N" to its parent and reads "total N" back.
func childExchange(in io.Reader, out io.Writer) func(int64) int64 {
	return func(sent int64) int64 {
		fmt.Fprintf(out, "sent %d\n", sent)
		var total int64
		if _, err := fmt.Fscanf(in, "total %d\n", &total); err != nil || total < sent {
			return sent
		}
		return total
	}
}
