#!/usr/bin/env bash
# Soak test: a fresh server on loopback under steady load for a long time,
# watched through its /metrics (on -metrics-addr), to see connections,
# goroutines and memory stay flat (no leak) and nothing get lost.
#   load: 1000 users, protocol v1: 900 stay connected, 100 of them send 200
#   talks/s in all (2 each, under the server's -msg-rate of 10/s), and 100
#   more churn (join, stay 0.5-3 s, exit, come back as someone new).
# Every INTERVAL it prints a row: elapsed seconds, chatroom_connections,
# go_goroutines, heap in use (MiB), resident memory (MiB). At the end: the load
# tool's summary, and the first, middle and last rows taken under load.
# Fails (exit 1) if a delivery was lost or the server died.
# Usage: bash scripts/soak.sh   (needs curl)
# Environment: DURATION (default 15m), INTERVAL (60s), PORT (9300),
# METRICS_PORT (PORT + 1, where the server serves /metrics), CLIENTS (900),
# CHURN (100), SENDERS (100), RATE (200 talks/s).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-15m}
interval=${INTERVAL:-60s}
port=${PORT:-9300}
metrics_port=${METRICS_PORT:-$((port + 1))}
clients=${CLIENTS:-900}
churn=${CHURN:-100}
senders=${SENDERS:-100}
rate=${RATE:-200}
ramp=20s

# secs D: a Go duration made of h, m and s parts (15m, 90s, 1h30m) in seconds.
secs() {
  local d=$1 total=0
  [[ $d =~ ^([0-9]+[hms])+$ ]] || { echo "soak: duration '$1': use h, m and s, e.g. 15m, 90s, 1h30m" >&2; return 2; }
  while [[ $d =~ ^([0-9]+)([hms])(.*)$ ]]; do
    local n=$((10#${BASH_REMATCH[1]}))
    case ${BASH_REMATCH[2]} in h) n=$((n * 3600)) ;; m) n=$((n * 60)) ;; esac
    total=$((total + n)) d=${BASH_REMATCH[3]}
  done
  echo "$total"
}
duration_s=$(secs "$duration")
interval_s=$(secs "$interval")
ramp_s=$(secs "$ramp")
((interval_s > 0)) || { echo "soak: INTERVAL must be > 0" >&2; exit 2; }
command -v curl >/dev/null || { echo "soak: needs curl (apt-get install curl)" >&2; exit 2; }

work=$(mktemp -d)
server= load=
cleanup() {
  [ -z "$load" ] || kill "$load" 2>/dev/null || true
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "building ./server and ./loadtest"
go build -o "$work/server" ./server
go build -o "$work/loadtest" ./loadtest

# Every user comes from 127.0.0.1: no per-address limit.
"$work/server" -addr "127.0.0.1:$port" -log-dir "$work/log" -data-dir "$work/data" -log-stderr=false -max-conns-per-ip 0 -join-rate-per-ip 0 -msg-rate-per-ip 0 -userlist-rate-per-ip 0 -metrics-addr "127.0.0.1:$metrics_port" &
server=$!
up=
for _ in $(seq 100); do
  kill -0 "$server" 2>/dev/null || { echo "soak: the server exited at start (is port $port or $metrics_port taken? set PORT, METRICS_PORT)" >&2; exit 1; }
  if curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then up=1; break; fi
  sleep 0.1 # polling for the server to listen, bounded to about 10 s
done
[ -n "$up" ] || { echo "soak: the server does not answer on 127.0.0.1:$port" >&2; exit 1; }

# row LABEL prints one row of the table from the server's /metrics.
row() {
  local m
  m=$(curl -fsS --max-time 10 "http://127.0.0.1:$metrics_port/metrics") || { printf '%8s  (/metrics did not answer)\n' "$1"; return 0; }
  awk -v label="$1" '
    /^#/ { next }
    { name = $1; sub(/\{.*/, "", name); v[name] += $NF }
    END {
      printf "%8s %12d %11d %9.1f %8.1f\n", label, v["chatroom_connections"], v["go_goroutines"],
        v["go_memstats_heap_inuse_bytes"] / 1048576, v["process_resident_memory_bytes"] / 1048576
    }' <<<"$m"
}
header() { printf '%8s %12s %11s %9s %8s\n' elapsed connections goroutines "heap MiB" "RSS MiB"; }

echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3)"
echo "load: $clients clients ($senders sending $rate talks/s in all) + $churn churning, v1, for $duration; /metrics every $interval"
"$work/loadtest" -url "ws://127.0.0.1:$port/ws" -protocol v1 -scenario fanout \
  -clients "$clients" -churn "$churn" -senders "$senders" -rate "$rate" \
  -duration "$duration" -ramp "$ramp" -drain 30s -progress "$interval" -pid "$server" \
  >"$work/summary.txt" 2>"$work/loadtest.log" &
load=$!
start=$SECONDS

header
rows=()
record() { local r; r=$(row "$1"); echo "$r"; rows+=("$r"); }
# Rows every INTERVAL, and one just before sending ends (the "end" row is
# then taken under load). Bounded: the load tool ends by itself after the
# ramp, DURATION and its 30 s drain; it gets 2 minutes more than that.
next=0
last=$((ramp_s + duration_s - 3))
deadline=$((ramp_s + duration_s + 30 + 120))
died=
while kill -0 "$load" 2>/dev/null; do
  elapsed=$((SECONDS - start))
  if ! kill -0 "$server" 2>/dev/null; then
    died=1
    echo "soak: the server died after ${elapsed}s" >&2
    break
  fi
  if ((elapsed >= next || (last > 0 && elapsed >= last))); then
    record "${elapsed}s"
    ((elapsed < last)) || last=0 # the row before the end is taken
    next=$((elapsed + interval_s))
  fi
  if ((elapsed > deadline)); then
    echo "soak: the load tool is still running after ${elapsed}s; stopping it" >&2
    kill "$load" 2>/dev/null || true
    break
  fi
  sleep 1 # polling the load tool and the clock, bounded by the deadline above
done
status=0
wait "$load" || status=$?
load=
kill -0 "$server" 2>/dev/null || died=1

echo
echo "== load tool summary (exit status $status)"
cat "$work/summary.txt"
lost=$(awk '$1 == "lost" { print $2 }' "$work/summary.txt")

echo
echo "== under load (rows with at least $clients connections): start, middle, end"
header
loaded=()
for r in "${rows[@]}"; do
  conns=$(awk '{ print $2 }' <<<"$r")
  [[ $conns =~ ^[0-9]+$ ]] && ((conns >= clients)) && loaded+=("$r")
done
if ((${#loaded[@]} == 0)); then
  echo "   (no row was taken with every client connected)"
else
  n=${#loaded[@]}
  printf '%s\n' "${loaded[0]}" "${loaded[n / 2]}" "${loaded[n - 1]}"
fi
if [ -z "$died" ]; then
  # Once everyone has left, the connections should be back to 0.
  for _ in $(seq 50); do
    conns=$(curl -fsS --max-time 2 "http://127.0.0.1:$metrics_port/metrics" | awk '$1 == "chatroom_connections" { print $2 }') || true
    [ "$conns" = 0 ] && break
    sleep 0.2 # polling for the last connections to close, bounded to about 10 s
  done
  echo "after the load:"
  row "$((SECONDS - start))s"
fi

fail=
if [ -n "$died" ]; then
  echo "FAIL: the server died"
  tail -n 20 "$work/log/chatroom.log" 2>/dev/null || true
  fail=1
fi
if ! [[ $lost =~ ^[0-9]+$ ]]; then
  echo "FAIL: the load tool printed no summary:"
  tail -n 20 "$work/loadtest.log"
  fail=1
elif ((lost > 0)); then
  echo "FAIL: $lost deliveries lost"
  fail=1
fi
[ -z "$fail" ] || exit 1
echo "OK: nothing lost, the server ran throughout"
