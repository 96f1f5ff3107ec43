#!/usr/bin/env bash
# What a node pays for rooms it has no members in (issue 16): two chat nodes
# on one NATS server, each with its own users in rooms of their own (the
# rooms scenario with -room-prefix a- on node a, b- on node b), against one
# node on NATS alone with the same load. If a node received the other's
# rooms, its server CPU per delivery would rise and its link would carry
# the other's bytes. (Each run uses rooms of its own: a node that starts to
# follow a room replays the events its stream keeps of it, up to 2,000.)
# Prints, for each node, deliveries/s, loss and its
# server CPU per million deliveries, and the bytes NATS sent each node
# (from nats-server's /connz).
#
#   bash scripts/bench-rooms-two-nodes.sh
#   CLIENTS=200 DURATION=10s bash scripts/bench-rooms-two-nodes.sh   # a quick run
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
clients=${CLIENTS:-1000}    # per node
rooms=${ROOMS:-50}          # per node
per_user=${PER_USER:-5}
rate=${RATE:-500}           # talks/s per node
duration=${DURATION:-30s}
nats_port=${NATS_PORT:-4334}
mon_port=${NATS_MON_PORT:-8334}
base=${PORT:-9600}

work=$(mktemp -d)
pids=() nodes=()
cleanup() {
  for p in "${nodes[@]}" "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/server" ./server
go build -o "$work/loadtest" ./loadtest
go build -o "$work/nats-server" github.com/nats-io/nats-server/v2

# node PORT NAME: a chat node on NATS in the background; its pid in $node_pid.
node() {
  "$work/server" -addr "127.0.0.1:$1" -log-dir "$work/log-$1" -log-stderr=false -nats "nats://127.0.0.1:$nats_port" -node "$2" \
    -max-conns-per-ip 0 -join-rate-per-ip 0 -msg-rate-per-ip 0 -userlist-rate-per-ip 0 -max-rooms-per-ip 0 &
  node_pid=$!
  nodes+=("$node_pid")
  listening "$1"
}

stop_nodes() {
  for p in "${nodes[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${nodes[@]}"; do wait "$p" 2>/dev/null || true; done
  nodes=()
}

# load PORT PID PREFIX OUT: the rooms scenario against the node on PORT.
load() {
  "$work/loadtest" -url "ws://127.0.0.1:$1/ws" -scenario rooms -clients "$clients" -rooms "$rooms" -rooms-per-user "$per_user" \
    -senders "$clients" -rate "$rate" -duration "$duration" -ramp 10s -room-prefix "$3" -pid "$2" -json >"$4" 2>/dev/null
}

# show NAME OUT: one line of a load run's summary.
show() {
  python3 -c '
import json, sys
s = json.load(open(sys.argv[2]))
r = s.get("rooms") or {}
print("%-34s %5d/%d connected  %8.0f deliveries/s  lost %d  non-members %s  p99 %6.1f ms  server CPU %.2f s per M deliveries" % (
    sys.argv[1], s["connected"], s["clients"], s["deliveries_per_s"], s["lost"], r.get("to_non_members", "?"),
    s["latency_ms"]["P99"], s.get("server_cpu_s_per_m_deliveries", 0)))' "$1" "$2"
}

# nats_out NAME: bytes and messages NATS has sent the client named "chatroom NAME".
nats_out() {
  curl -fsS --max-time 5 "http://127.0.0.1:$mon_port/connz?limit=1000" | python3 -c '
import json, sys
for c in json.load(sys.stdin)["connections"]:
    if c.get("name") == "chatroom " + sys.argv[1]:
        print("%d bytes, %d messages" % (c["out_bytes"], c["out_msgs"]))' "$1"
}

echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3); per node: $clients users in $rooms rooms, $per_user each, $rate talks/s, $duration"
"$work/nats-server" -a 127.0.0.1 -p "$nats_port" -m "$mon_port" -js -sd "$work/jetstream" >"$work/nats.log" 2>&1 &
pids+=($!)
listening "$nats_port"

node $((base + 1)) solo
load $((base + 1)) "$node_pid" s- "$work/solo.json" # rooms of its own: the nodes below replay none of its events
show "one node (rooms s-*)" "$work/solo.json"
echo "  NATS sent node solo: $(nats_out solo)"
stop_nodes

node $((base + 2)) a
a=$node_pid
node $((base + 3)) b
b=$node_pid
load $((base + 2)) "$a" a- "$work/a.json" &
la=$!
load $((base + 3)) "$b" b- "$work/b.json" &
lb=$!
wait "$la" "$lb" || true
show "two nodes: node a (rooms a-*)" "$work/a.json"
show "two nodes: node b (rooms b-*)" "$work/b.json"
echo "  NATS sent node a: $(nats_out a); node b: $(nats_out b)"
