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
	"strings"
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	kids, err := startChildren(ctx, cancel, exe, o, procs, start)
	if err != nil {
		return nil, err
	}
	rss1, scpu1 := kids.watch(o, log, start, rss0, scpu0)
	if err := kids.failure(); err != nil {
		return nil, err
	}
	rss2, scpu2 := rssMiB(o.pid), procCPU(o.pid)
	sum, err := mergeSummaries(o, kids.outs)
	if err != nil {
		return nil, err
	}
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

// children are a run's child processes: what each prints (its summary, as
// JSON) and the errors of those that failed.
type children struct {
	outs []bytes.Buffer
	errc chan error
	wg   sync.WaitGroup // one per child: done once it has ended
}

// startChildren starts procs children. After sending, every child says
// what it sent (one count, or in the rooms scenario one per room) and is
// told what all sent (a child that died counts 0).
// If one cannot start, those started so far are ended (by cancel).
func startChildren(ctx context.Context, cancel func(), exe string, o options, procs int, start time.Time) (*children, error) {
	k := &children{outs: make([]bytes.Buffer, procs), errc: make(chan error, procs)}
	talking := o.scenario == "seed" || o.scenario == "fanout" || o.scenario == "rooms"
	sentc := make(chan []int64, procs)
	totals := make([]chan []int64, procs)
	for i := range procs {
		cmd, stdin, stdout, err := startChild(ctx, exe, o, procs, i, start)
		if err != nil {
			cancel() // the children started so far end too
			for _, t := range totals[:i] {
				t <- nil // their tenders wait for a total that exchangeTotals will not send
			}
			k.wg.Wait()
			return nil, err
		}
		totals[i] = make(chan []int64, 1)
		k.wg.Add(1)
		go func() {
			defer k.wg.Done()
			k.tend(i, cmd, stdin, stdout, talking, sentc, totals[i])
		}()
	}
	if talking {
		go exchangeTotals(sentc, totals)
	}
	return k, nil
}

// startChild starts child i of procs, with its share of the clients and of
// the churning users.
func startChild(ctx context.Context, exe string, o options, procs, i int, start time.Time) (*exec.Cmd, io.WriteCloser, io.ReadCloser, error) {
	share, offset := split(o.clients, procs, i)
	churnShare, churnOffset := split(o.churn, procs, i)
	cmd := exec.CommandContext(ctx, exe, childArgs(o, share, offset, churnShare, churnOffset, start)...)
	cmd.Env = childEnv(o)
	cmd.Stderr = os.Stderr
	stdin, err1 := cmd.StdinPipe()
	stdout, err2 := cmd.StdoutPipe()
	if err := errors.Join(err1, err2, cmd.Start()); err != nil {
		return nil, nil, nil, err
	}
	return cmd, stdin, stdout, nil
}

// tend is the parent's side of child i: the talk count exchange (if
// talking: it reports its sent on sentc and is told total), then what it
// prints and how it ends.
func (k *children) tend(i int, cmd *exec.Cmd, stdin io.WriteCloser, stdout io.Reader, talking bool, sentc chan<- []int64, total <-chan []int64) {
	out := bufio.NewReader(stdout)
	if talking {
		var sent []int64
		if line, err := out.ReadString('\n'); err == nil {
			sent, _ = parseCounts(line, "sent")
		}
		sentc <- sent
		fmt.Fprintln(stdin, formatCounts("total", <-total))
	}
	stdin.Close()
	io.Copy(&k.outs[i], out)
	if err := cmd.Wait(); err != nil {
		k.errc <- fmt.Errorf("process %d: %w", i, err)
	}
}

// exchangeTotals waits until every child has said what it sent, then tells
// each what all sent: the sums of their counts, one by one.
func exchangeTotals(sentc <-chan []int64, totals []chan []int64) {
	var total []int64
	for range totals {
		sent := <-sentc
		for len(total) < len(sent) {
			total = append(total, 0)
		}
		for i, n := range sent {
			total[i] += n
		}
	}
	for _, t := range totals {
		t <- total
	}
}

// formatCounts is a line of the talk count exchange: the word, then the
// counts, separated by spaces (no newline).
func formatCounts(word string, counts []int64) string {
	b := []byte(word)
	for _, n := range counts {
		b = strconv.AppendInt(append(b, ' '), n, 10)
	}
	return string(b)
}

// parseCounts reads a line of the talk count exchange that starts with word.
func parseCounts(line, word string) ([]int64, error) {
	f := strings.Fields(line)
	if len(f) == 0 || f[0] != word {
		return nil, fmt.Errorf("want %q, got %q", word, line)
	}
	counts := make([]int64, len(f)-1)
	for i, s := range f[1:] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
		counts[i] = n
	}
	return counts, nil
}

// watch watches the server while the children work: its CPU when sending
// starts, its RSS half way. It returns those once every child has ended.
func (k *children) watch(o options, log io.Writer, start time.Time, rss0, scpu0 float64) (rss1, scpu1 float64) {
	rss1, scpu1 = rss0, scpu0
	mid := time.NewTimer(time.Until(start.Add(o.duration / 2)))
	defer mid.Stop()
	began := time.NewTimer(time.Until(start))
	defer began.Stop()
	waited := make(chan struct{})
	go func() { k.wg.Wait(); close(waited) }()
	progress := time.NewTicker(o.progress)
	defer progress.Stop()
	for {
		select {
		case <-waited:
			return rss1, scpu1
		case <-began.C:
			scpu1 = procCPU(o.pid) // talk scenarios count the server's CPU from here
		case <-mid.C:
			rss1 = rssMiB(o.pid)
		case <-progress.C:
			if o.pid > 0 {
				fmt.Fprintf(log, "%d processes running, server RSS %.1f MiB\n", len(k.outs), rssMiB(o.pid))
			}
		}
	}
}

// failure is the first error of a child that failed, once all have ended.
func (k *children) failure() error {
	close(k.errc)
	return <-k.errc
}

// mergeSummaries merges the children's summaries (outs, as JSON) into the
// run's: the server's figures and the tool's CPU are the parent's to add.
func mergeSummaries(o options, outs []bytes.Buffer) (*summary, error) {
	sum := &summary{Scenario: o.scenario, Protocol: o.proto, URL: o.rawURL, Processes: len(outs), Clients: o.clients, Errors: map[string]int{}}
	var lat histogram
	for i := range outs {
		var c summary
		if err := json.Unmarshal(outs[i].Bytes(), &c); err != nil {
			return nil, fmt.Errorf("process %d printed no summary: %w", i, err)
		}
		sum.add(&c)
		lat.load(c.LatencyBuckets)
	}
	sum.LatencyMs = lat.latencies()
	return sum, nil
}

// add adds one child process's summary c to the run's.
func (s *summary) add(c *summary) {
	s.Connected += c.Connected
	s.ConnectFailures += c.ConnectFailures
	s.FailedClients += c.FailedClients
	s.AllJoinedSec = max(s.AllJoinedSec, c.AllJoinedSec) // the processes dial at the same time
	s.NotJoined += c.NotJoined
	for k, v := range c.Errors {
		s.Errors[k] += v
	}
	s.Senders = c.Senders
	s.DurationSec = max(s.DurationSec, c.DurationSec)
	s.TalksSent += c.TalksSent
	s.Lost += c.Lost
	s.Churn += c.Churn
	s.ChurnCycles += c.ChurnCycles
	s.ChurnFailures += c.ChurnFailures
	s.UserlistReplies += c.UserlistReplies
	s.Deliveries += c.Deliveries
	s.Frames += c.Frames
	s.DeliveriesPerSec += c.DeliveriesPerSec
	if c.Rooms != nil {
		if s.Rooms == nil {
			s.Rooms = &roomCounts{}
		}
		s.Rooms.add(c.Rooms)
	}
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
// writes "sent N..." to its parent and reads "total N..." back (one count
// each, or one per room). If the answer does not fit what it sent, its own
// counts stand.
func childExchange(in io.Reader, out io.Writer) func([]int64) []int64 {
	return func(sent []int64) []int64 {
		fmt.Fprintln(out, formatCounts("sent", sent))
		line, _ := bufio.NewReader(in).ReadString('\n')
		total, err := parseCounts(line, "total")
		if err != nil || len(total) != len(sent) {
			return sent
		}
		for i := range total {
			if total[i] < sent[i] {
				return sent
			}
		}
		return total
	}
}
