#!/usr/bin/env bash
# The reconnect storm: CLIENTS (default 15,000) reconnecting client sessions
# (service/session, the desktop client's, with its jittered backoff) connect
# to this server, 64 at a time; the server is then stopped (SIGTERM, as a
# deploy does: every connection is closed with 1001 going away; SIGNAL=KILL
# for a crash) and started again on the same -data-dir, and the load tool
# measures the time from the first session dropped to the last one back,
# then has 10 sessions send 2 talks each, which every session must get
# exactly once. Prints how long the server took to stop and to listen
# again, the tool's summary, and exits non-zero if a session did not come
# back or a talk was lost. Every client is on 127.0.0.1, so the server runs
# with its per-address limits off (-max-conns-per-ip 0 -join-rate-per-ip 0
# -msg-rate-per-ip 0 -userlist-rate-per-ip 0); everything else is default.
# Takes about a minute. Usage: bash scripts/bench-reconnect-storm.sh
# Environment: CLIENTS (15000), PORT (9211), SIGNAL (TERM or KILL), DOWN
# (seconds the server stays stopped before it starts again, as a slower
# deploy would; default 0).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
clients=${CLIENTS:-15000}
port=${PORT:-9211}
sig=${SIGNAL:-TERM}
down=${DOWN:-0}

work=$(mktemp -d)
pid=
tool=
cleanup() {
  for p in $tool $pid; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "building ./server and ./loadtest"
go build -o "$work/server" ./server
go build -o "$work/loadtest" ./loadtest

start_server() {
  "$work/server" -addr "127.0.0.1:$port" -log-dir "$work/log" -data-dir "$work/data" -log-stderr=false \
    -max-conns-per-ip 0 -join-rate-per-ip 0 -msg-rate-per-ip 0 -userlist-rate-per-ip 0 &
  pid=$!
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

start_server
listening "$port" 10 "$pid" || exit 1
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/loadtest" -url "ws://127.0.0.1:$port/ws" -scenario storm -clients "$clients" -duration 60s -drain 20s -progress 2s >"$work/storm.out" 2>"$work/storm.log" &
tool=$!
# Wait, 180 s at most, until the tool has every session connected.
for _ in $(seq 1800); do
  if grep -q "storm: all connected" "$work/storm.log" || ! kill -0 "$tool" 2>/dev/null; then break; fi
  sleep 0.1 # polling the tool's log, bounded by the loop
done
if ! grep "storm: all connected" "$work/storm.log"; then
  echo "the sessions did not all connect:" >&2; tail -n 5 "$work/storm.log" >&2; exit 1
fi
t0=$(now)
kill -"$sig" "$pid"
wait "$pid" || true
t1=$(now)
sleep "$down" # the deploy's own time, on purpose
start_server
listening "$port" 30 "$pid" || exit 1
t2=$(now)
echo "server: stopped (SIG$sig) in $(secs "$t0" "$t1") s, listening again $(secs "$t1" "$t2") s later (DOWN=$down)"
rc=0
wait "$tool" || rc=$?
tool=
grep -v "^storm .*s [0-9]* away" "$work/storm.log" || true
cat "$work/storm.out"
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$rc"
