package main

import (
	"fmt"
	"io"
	"math/bits"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"chatroom/config"
)

// summary is the result of one run; -json prints it as is.
type summary struct {
	Scenario        string         `json:"scenario"`
	Protocol        string         `json:"protocol"`
	URL             string         `json:"url"`
	Processes       int            `json:"processes"`
	Clients         int            `json:"clients"`
	Connected       int            `json:"connected"`
	ConnectFailures int            `json:"connect_failures"`
	FailedClients   int            `json:"failed_clients"` // closed or broken during the run
	Errors          map[string]int `json:"errors,omitempty"`
	// AllJoinedSec: from the first dial until every user had connected
	// and had its join (for servers without one: had connected); 0 if
	// some never did: connect failures, or NotJoined, how many connected
	// users had no join when the wait ended (see joinWaitFor).
	AllJoinedSec float64 `json:"all_joined_s,omitempty"`
	NotJoined    int     `json:"not_joined,omitempty"`

	// seed and fanout
	Senders          int       `json:"senders,omitempty"`
	DurationSec      float64   `json:"duration_s"`
	TalksSent        int64     `json:"talks_sent,omitempty"`
	TalksRefused     int64     `json:"talks_refused,omitempty"` // answered "message not sent": expected by nobody
	UserlistReplies  int64     `json:"userlist_replies,omitempty"`
	Deliveries       int64     `json:"deliveries,omitempty"`
	Frames           int64     `json:"frames,omitempty"` // data frames received
	DeliveriesPerSec float64   `json:"deliveries_per_s,omitempty"`
	Lost             int64     `json:"lost"` // expected − received, summed over healthy clients
	LatencyMs        latencies `json:"latency_ms"`
	Churn            int       `json:"churn,omitempty"`          // churning users (-churn), besides the clients
	ChurnCycles      int64     `json:"churn_cycles,omitempty"`   // their visits completed: joined, stayed, left with exit
	ChurnFailures    int64     `json:"churn_failures,omitempty"` // their visits that failed (refused, closed early, no join)

	// rooms
	Rooms *roomCounts `json:"rooms,omitempty"`

	// catchup
	Catchup *catchupCounts `json:"catchup,omitempty"`

	// storm
	Storm *stormCounts `json:"storm,omitempty"`

	// connect
	ConnectsPerSec float64   `json:"connects_per_s,omitempty"`
	HandshakeMs    latencies `json:"handshake_ms"`

	// the server, when -pid is given
	ServerRSSMiB   []float64 `json:"server_rss_mib,omitempty"` // before connecting, connected (several processes: half way), at the end
	RSSPerConnKiB  float64   `json:"server_rss_per_conn_kib,omitempty"`
	ServerCPUSec   float64   `json:"server_cpu_s,omitempty"`
	ServerCPUPerM  float64   `json:"server_cpu_s_per_m_deliveries,omitempty"`
	ToolCPUSec     float64   `json:"loadtest_cpu_s"`
	ToolCPUPerM    float64   `json:"loadtest_cpu_s_per_m_deliveries,omitempty"`
	LatencyBuckets []uint64  `json:"latency_buckets,omitempty"` // for merging processes' results
}

// perMillion fills in the CPU costs per million deliveries.
func (s *summary) perMillion() {
	if s.Deliveries == 0 {
		return
	}
	m := float64(s.Deliveries) / 1e6
	s.ToolCPUPerM = s.ToolCPUSec / m
	if s.ServerCPUSec > 0 {
		s.ServerCPUPerM = s.ServerCPUSec / m
	}
}

type latencies struct{ P50, P90, P99, Max float64 }

func (s *summary) print(w io.Writer) {
	fmt.Fprintf(w, "scenario           %s, protocol %s, %s", s.Scenario, s.Protocol, s.URL)
	if s.Processes > 1 {
		fmt.Fprintf(w, " (%d processes)", s.Processes)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "clients            %d connected of %d (connect failures %d, failed during run %d)\n", s.Connected, s.Clients, s.ConnectFailures, s.FailedClients)
	switch s.Scenario {
	case "seed", "fanout", "rooms":
		s.printTalks(w)
	case "catchup":
		fmt.Fprintf(w, "rooms              %d, each user in %d\n", s.Catchup.Rooms, s.Catchup.PerUser)
		s.printTalks(w)
		s.Catchup.print(w)
	case "connect":
		fmt.Fprintf(w, "connects           %.0f/s for %.1f s\n", s.ConnectsPerSec, s.DurationSec)
		fmt.Fprintf(w, "handshake ms       p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", s.HandshakeMs.P50, s.HandshakeMs.P90, s.HandshakeMs.P99, s.HandshakeMs.Max)
	case "idle":
		s.printJoins(w)
		fmt.Fprintf(w, "held open for      %.1f s\n", s.DurationSec)
	case "storm":
		s.Storm.print(w)
		fmt.Fprintf(w, "talks              %d sent after the storm, %d deliveries, lost %d\n", s.TalksSent, s.Deliveries, s.Lost)
	}
	if len(s.ServerRSSMiB) > 0 {
		fmt.Fprintf(w, "server RSS MiB     %.1f before connecting, %.1f connected, %.1f at the end\n", s.ServerRSSMiB[0], s.ServerRSSMiB[1], s.ServerRSSMiB[2])
		if s.RSSPerConnKiB > 0 {
			fmt.Fprintf(w, "server RSS/conn    %.1f KiB\n", s.RSSPerConnKiB)
		}
		fmt.Fprintf(w, "server CPU         %.1f s", s.ServerCPUSec)
		if s.ServerCPUPerM > 0 {
			fmt.Fprintf(w, " (%.2f s per million deliveries)", s.ServerCPUPerM)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "loadtest CPU       %.1f s", s.ToolCPUSec)
	if s.ToolCPUPerM > 0 {
		fmt.Fprintf(w, " (%.2f s per million deliveries)", s.ToolCPUPerM)
	}
	fmt.Fprintln(w)
	keys := make([]string, 0, len(s.Errors))
	for k := range s.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "error              %dx %s\n", s.Errors[k], k)
	}
}

// printJoins prints how long the users took to join.
func (s *summary) printJoins(w io.Writer) {
	if s.NotJoined > 0 {
		fmt.Fprintf(w, "joined             %d connected users never had their join\n", s.NotJoined)
	} else if s.AllJoinedSec > 0 {
		fmt.Fprintf(w, "all joined after   %.2f s (from the first dial)\n", s.AllJoinedSec)
	}
}

// printTalks prints the lines of the scenarios that talk: seed, fanout
// and rooms.
func (s *summary) printTalks(w io.Writer) {
	if s.Rooms != nil {
		fmt.Fprintf(w, "rooms              %d, each user in %d\n", s.Rooms.Rooms, s.Rooms.PerUser)
	}
	fmt.Fprintf(w, "sending for        %.1f s, %d senders\n", s.DurationSec, s.Senders)
	fmt.Fprintf(w, "talks sent         %d\n", s.TalksSent)
	if s.TalksRefused > 0 {
		fmt.Fprintf(w, "talks refused      %d (the server answered %q: not counted as lost)\n", s.TalksRefused, config.ReplyNotSent)
	}
	if s.UserlistReplies > 0 {
		fmt.Fprintf(w, "userlist replies   %d\n", s.UserlistReplies)
	}
	fmt.Fprintf(w, "deliveries         %d (%.0f/s) in %d frames (%.1f messages per frame)\n", s.Deliveries, s.DeliveriesPerSec, s.Frames, float64(s.Deliveries+s.UserlistReplies)/max(1, float64(s.Frames)))
	if s.Rooms != nil {
		s.Rooms.print(w)
	}
	fmt.Fprintf(w, "lost               %d\n", s.Lost)
	fmt.Fprintf(w, "latency ms         p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", s.LatencyMs.P50, s.LatencyMs.P90, s.LatencyMs.P99, s.LatencyMs.Max)
	if s.Churn > 0 {
		fmt.Fprintf(w, "churn              %d users: %d visits completed (join, stay, exit), %d failed\n", s.Churn, s.ChurnCycles, s.ChurnFailures)
	}
}

// errorKind shortens an error to what it says, without addresses, so that
// errors can be counted by kind.
func errorKind(err error) string {
	k := err.Error()
	for _, op := range []string{"read tcp", "write tcp", "dial tcp"} {
		if strings.HasPrefix(k, op) {
			if i := strings.LastIndex(k, ": "); i >= 0 {
				return strings.TrimSuffix(op, " tcp") + ": " + k[i+2:]
			}
		}
	}
	return k
}

// histogram counts microsecond values in log-linear buckets (32 per power
// of two: about 3% resolution), up to about 17 minutes (longer ones count
// in the last bucket; the maximum is kept exactly).
type histogram struct {
	counts [26 * 32]uint64
	max    uint64
}

func bucketOf(v uint64) int {
	if v < 64 {
		return int(v)
	}
	e := bits.Len64(v) - 6
	return min(e*32+int(v>>e), len(histogram{}.counts)-1)
}

func bucketValue(i int) uint64 {
	if i < 64 {
		return uint64(i)
	}
	e := i/32 - 1
	return uint64(i%32+32) << e
}

func (h *histogram) add(us uint64) {
	h.counts[bucketOf(us)]++
	h.max = max(h.max, us)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.max = max(h.max, o.max)
}

// quantile returns the q-quantile in milliseconds.
func (h *histogram) quantile(q float64) float64 {
	if q >= 1 {
		return float64(h.max) / 1000
	}
	var total uint64
	for _, c := range h.counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := uint64(q * float64(total))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			return float64(bucketValue(i)) / 1000
		}
	}
	return float64(h.max) / 1000
}

func (h *histogram) latencies() latencies {
	return latencies{h.quantile(0.50), h.quantile(0.90), h.quantile(0.99), h.quantile(1)}
}

// export and load carry a histogram between processes (-child).
func (h *histogram) export() []uint64 {
	return append(h.counts[:len(h.counts):len(h.counts)], h.max)
}

func (h *histogram) load(b []uint64) {
	if len(b) != len(h.counts)+1 {
		return
	}
	for i, c := range b[:len(h.counts)] {
		h.counts[i] += c
	}
	h.max = max(h.max, b[len(b)-1])
}

// rssMiB is a process's resident memory, from /proc.
func rssMiB(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// procCPU is a process's user+system CPU seconds, from /proc.
func procCPU(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

// selfCPU is this process's CPU seconds, children included (-child).
func selfCPU() float64 {
	var ru, rc syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &rc)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano() + rc.Utime.Nano() + rc.Stime.Nano()).Seconds()
}
