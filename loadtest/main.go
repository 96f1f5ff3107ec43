// Command loadtest puts load on a chat server and measures what comes back.
//
//	go run ./loadtest -h
//	go run ./loadtest -scenario seed -clients 2000 -interval 2s -duration 60s -pid PID   # PID: the server's start line prints it
//
// Scenarios:
//
//	seed     the spec's locust scenario: every user sends a talk and a
//	         userlist request every -interval and reads everything
//	fanout   -clients connected, -senders of them sending -rate talks/s in all
//	rooms    as fanout, in -rooms rooms: each user in -rooms-per-user of
//	         them (named in its handshake), each sender's talks going to
//	         its rooms in turn; every talk must reach every member of its
//	         room exactly once and no one else
//	catchup  as rooms, and every -drop-every a -drop-share of the users
//	         disconnect (half abruptly: the socket closed with no close
//	         frame; half with exit) for -drop-for, then reconnect with
//	         since for each of their rooms; at the end, each user must hold,
//	         room by room, every talk of the room exactly once, in seq
//	         order, live and replayed alike (exit 3 otherwise)
//	idle     -clients connections held open for -duration; with -pid, the
//	         server's RSS per connection
//	connect  -concurrency workers connecting, joining, leaving, for -duration
//	storm    -clients reconnecting client sessions (service/session, the
//	         desktop client's) connect 64 at a time; the tool says "storm:
//	         all connected" on stderr, and waits -duration for the server to
//	         be restarted under them; it measures the time from the first
//	         session dropped to the last one back, then -senders sessions
//	         send 2 talks each, which every session must get exactly once
//	         within -drain (scripts/bench-reconnect-storm.sh)
//
// Deliveries are timed from the send time written into each talk, so the
// latency is send to receive on one clock. Lost deliveries are talks sent
// in the run that a healthy client (one the server did not close) never
// received. -protocol v2 negotiates the chatroom.v2 subprotocol (several
// messages per frame); -protocol lines speaks plain text to servers like
// gorilla/websocket's examples/chat; -protocol centrifugo speaks
// Centrifugo's JSON protocol (connect, subscribe to one channel, publish;
// see wscentrifugo.go) to a Centrifugo server's /connection/websocket, in
// the seed (talks only), fanout, idle and connect scenarios.
//
// The receive path is deliberately lean (frames parsed in place in one
// reused buffer per client, no allocation per frame), so that the tool, not
// the server, is rarely the limit on a shared machine; its CPU time per
// million deliveries is reported beside the server's. One process holds at
// most -per-process connections (the open-file limit); more clients are
// split across child processes of this command, which start sending at the
// same moment, and their results are merged.
//
// wss:// URLs are dialed over TLS, checked against the system's roots and the
// CA certificates in -ca. With -auth-secret (or CHATROOM_AUTH_SECRET), every
// user sends an HS256 token for its own name (Authorization: Bearer), as the
// server's -auth-secret requires; child processes get the secret through
// their environment, not their command line.
//
// -churn N (seed, fanout) adds N users that join, stay 0.5-3 s, say exit
// and come back as someone new, again and again while the talks are sent:
// the room's membership keeps changing around the -clients, who must still
// get every talk. Churning users are not counted in deliveries or loss; their
// completed visits and failures are reported.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() { os.Exit(realMain()) }

// realMain runs the command and returns its exit code.
func realMain() int {
	o, err := parseOptions(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := io.Writer(os.Stderr)
	if o.child {
		log = io.Discard
		o.exchange = childExchange(os.Stdin, os.Stdout)
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			return 2
		}
		pprof.StartCPUProfile(f)
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	var sum *summary
	if o.clients+o.churn > o.perProcess && !o.child && o.scenario != "connect" && o.scenario != "storm" {
		sum, err = runProcesses(ctx, o, log)
	} else {
		sum, err = run(ctx, o, log)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		return 1
	}
	if o.jsonOut || o.child {
		if !o.child {
			sum.LatencyBuckets = nil
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(sum)
	} else {
		sum.print(os.Stdout)
	}
	if !o.child && (sum.Lost > 0 || sum.FailedClients > 0 || sum.ConnectFailures > 0 || sum.ChurnFailures > 0 || sum.Rooms.wrong() > 0 || sum.Catchup.wrong() > 0) {
		return 3
	}
	return 0
}
