#!/usr/bin/env bash
# Two chat nodes on one real NATS server, against one node alone, on
# loopback. It builds nats-server from the module proxy (the version in
# go.mod), starts it with JetStream, starts two chat nodes on it, and runs
# the load tool with its users split across both nodes (each user on one
# node, every talk delivered to everyone on both). Then the same load
# against one node without NATS, and one node with it. Prints deliveries/s,
# latency and loss (must be 0) for each. Last, a node with DEAD_USERS users
# (200) is killed without a goodbye: how long until the other node lists
# them no more (every node runs with -claim-ttl CLAIM_TTL, 25s).
#
#   bash scripts/bench-two-nodes.sh
#   CLIENTS=2000 DURATION=60s bash scripts/bench-two-nodes.sh
#   CLIENTS=50 DURATION=5s DEAD_USERS=10 CLAIM_TTL=3s bash scripts/bench-two-nodes.sh   # a quick run
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
clients=${CLIENTS:-1000}
duration=${DURATION:-30s}
interval=${INTERVAL:-2s}
nats_port=${NATS_PORT:-4333}
base=${PORT:-9500}
dead_users=${DEAD_USERS:-200}
claim_ttl=${CLAIM_TTL:-25s} # every node of a room must use the same

work=$(mktemp -d)
pids=() nodes=()
cleanup() {
  for p in "${nodes[@]}" "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "building ./server, ./loadtest and nats-server $(go list -m -f '{{.Version}}' github.com/nats-io/nats-server/v2)"
go build -o "$work/server" ./server
go build -o "$work/loadtest" ./loadtest
go build -o "$work/nats-server" github.com/nats-io/nats-server/v2

# node PORT FLAGS...: a chat node in the background.
node() {
  local port=$1
  shift
  "$work/server" -addr "127.0.0.1:$port" -log-dir "$work/log-$port" -log-stderr=false -max-conns-per-ip 0 -join-rate-per-ip 0 -msg-rate-per-ip 0 -userlist-rate-per-ip 0 -claim-ttl "$claim_ttl" "$@" &
  nodes+=($!)
  listening "$port"
}

# stop_nodes: the chat nodes go (SIGTERM, graceful); NATS stays.
stop_nodes() {
  for p in "${nodes[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${nodes[@]}"; do wait "$p" 2>/dev/null || true; done
  nodes=()
}

# load NAME URLS: the load tool's summary for NAME.
load() {
  local name=$1 urls=$2
  "$work/loadtest" -url "$urls" -scenario seed -clients "$clients" -interval "$interval" -duration "$duration" -ramp 10s -json 2>/dev/null |
    python3 -c '
import json, sys
s = json.load(sys.stdin)
l = s["latency_ms"]
print("%-28s %8d/%d connected  %10.0f deliveries/s  p50 %6.1f ms  p99 %7.1f ms  lost %d" % (
    sys.argv[1], s["connected"], s["clients"], s["deliveries_per_s"], l["P50"], l["P99"], s["lost"]))
sys.exit(1 if s["lost"] or s["connected"] != s["clients"] else 0)' "$name"
}

echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3); $clients users, each a talk and a userlist request every $interval, for $duration"
"$work/nats-server" -a 127.0.0.1 -p "$nats_port" -js -sd "$work/jetstream" >"$work/nats.log" 2>&1 &
pids+=($!)
listening "$nats_port"
nats="nats://127.0.0.1:$nats_port"

status=0
node $((base + 1)) -nats "$nats" -node a
node $((base + 2)) -nats "$nats" -node b
load "two nodes, NATS" "ws://127.0.0.1:$((base + 1))/ws,ws://127.0.0.1:$((base + 2))/ws" || status=1
stop_nodes

node $((base + 3)) -nats "$nats" -node c
load "one node, NATS" "ws://127.0.0.1:$((base + 3))/ws" || status=1
stop_nodes

node $((base + 4))
load "one node, in memory" "ws://127.0.0.1:$((base + 4))/ws" || status=1
stop_nodes

# A node killed without a goodbye (SIGKILL) with DEAD_USERS users on it: how
# long until the other node's user list no longer has them, as node e's
# /metrics (on its -metrics-addr, port base + 16) says.
users() { curl -fsS --max-time 5 "http://127.0.0.1:$1/metrics" | awk '$1 == "chatroom_users" { print $2 }'; }
node $((base + 5)) -nats "$nats" -node d
victim=${nodes[-1]}
node $((base + 6)) -nats "$nats" -node e -metrics-addr "127.0.0.1:$((base + 16))"
"$work/loadtest" -url "ws://127.0.0.1:$((base + 5))/ws" -scenario idle -clients "$dead_users" -ramp 1s -duration 10m >/dev/null 2>&1 &
idle=$!
pids+=($idle)
for _ in $(seq 300); do
  [ "$(users $((base + 16)))" = "$dead_users" ] && break
  sleep 0.1 # polling for the users to be known on node e, bounded to 30 s
done
[ "$(users $((base + 16)))" = "$dead_users" ] || { echo "node e never saw the $dead_users users" >&2; exit 1; }
kill -9 "$victim"
killed=$(date +%s.%N)
gone=
for _ in $(seq 1200); do
  if [ "$(users $((base + 16)))" = "0" ]; then gone=$(date +%s.%N); break; fi
  sleep 0.1 # polling, bounded to 120 s
done
kill "$idle" 2>/dev/null || true
if [ -z "$gone" ]; then
  echo "dead node: its $dead_users users were still listed 120 s after it was killed" >&2
  exit 1
fi
printf '%-28s %d users left the other node'"'"'s list %.1f s after SIGKILL (-claim-ttl %s)\n' "dead node" "$dead_users" "$(awk "BEGIN { print $gone - $killed }")" "$claim_ttl"
exit $status
