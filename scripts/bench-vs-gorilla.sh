#!/usr/bin/env bash
# This server against gorilla/websocket's examples/chat (v1.5.3, built from
# the module proxy), the identical load from ./loadtest against each, on
# loopback, one after the other:
#   1. 2000 users each sending every 2 s (1000 talks/s in, 2 M deliveries/s out)
#   2. saturation: 2000 users, the send rate raised step by step until p99
#      latency passes 1 s, a client is lost or a delivery is lost
#   3. 15,000 idle connections: server RSS per connection
# This server is measured with one message per frame (v1, the spec's) and
# with batched frames (v2, the chatroom.v2 subprotocol); gorilla's example
# batches by itself (newline-separated text). Prints every run and a table.
# Every user connects from 127.0.0.1, so this server runs with its
# per-address limits off (-max-conns-per-ip 0 -join-rate-per-ip 0
# -msg-rate-per-ip 0 -userlist-rate-per-ip 0); its per-connection message limit (-msg-rate, 10/s)
# stays on where users send every 2 s and is off (-msg-rate 0) in the
# saturation search, which looks for the server's limit, not the limiter's
# (the default RATES are at most 2 talks/s per sender, raised RATES more).
# Takes about 15 minutes. Usage: bash scripts/bench-vs-gorilla.sh
# Environment: DURATION (default 30s) for run 1, STEP (15s) per saturation
# step, RATES ("1000 1250 1500 1750 2000 2500 3000 3500 4000"), IDLE (15000), HOLD (40s),
# SECTIONS ("1 2 3": which of the three to run).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
duration=${DURATION:-30s}
step=${STEP:-15s}
rates=${RATES:-1000 1250 1500 1750 2000 2500 3000 3500 4000}
idle=${IDLE:-15000}
hold=${HOLD:-40s}
sections=" ${SECTIONS:-1 2 3} "
ours_port=${PORT:-9201}
gorilla_port=$((ours_port + 1))

work=$(mktemp -d)
pid=
stop_server() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap 'stop_server; rm -rf "$work"' EXIT

echo "building ./server, ./loadtest and github.com/gorilla/websocket/examples/chat"
go build -o "$work/server" ./server
go build -o "$work/loadtest" ./loadtest
go build -o "$work/gorilla-chat" github.com/gorilla/websocket/examples/chat
gorilla_version=$(go list -m -f '{{.Version}}' github.com/gorilla/websocket)

# start NAME starts one server and waits (bounded) until it listens.
start() {
  stop_server
  case $1 in
    ours) rm -rf "$work/data"; "$work/server" -addr "127.0.0.1:$ours_port" -log-dir "$work/log" -data-dir "$work/data" -log-stderr=false -max-conns-per-ip 0 -join-rate-per-ip 0 -msg-rate-per-ip 0 -userlist-rate-per-ip 0 "${@:2}" & port=$ours_port ;;
    gorilla) (cd "$work" && exec ./gorilla-chat -addr "127.0.0.1:$gorilla_port") >/dev/null 2>&1 & port=$gorilla_port ;;
  esac
  pid=$!
  listening "$port" 10 "$pid" || { echo "$1 did not start" >&2; exit 1; }
}

# load NAME OUT FLAGS... runs the load tool against server NAME, keeps its
# JSON summary in OUT and prints the readable one.
load() {
  local name=$1 out=$2; shift 2
  local url="ws://127.0.0.1:$ours_port/ws" proto=()
  [ "$name" = gorilla ] && url="ws://127.0.0.1:$gorilla_port/ws" proto=(-protocol lines)
  "$work/loadtest" -url "$url" -pid "$pid" -json -progress 10s "${proto[@]}" "$@" >"$out" 2>"$out.log" || true
  if ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null; then
    echo "   $name: the load tool printed no summary: $(tail -n 3 "$out.log")"
    echo '{"scenario":"failed","protocol":"-","connected":0,"clients":0,"failed_clients":1,"connect_failures":0,"lost":1,"latency_ms":{"P50":0,"P90":0,"P99":0,"Max":0}}' >"$out"
  fi
  python3 - "$out" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("   %s %s: %d/%d connected, %d failed, deliveries %.0f/s, lost %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %.1f msgs/frame, server CPU %.2f s/M, tool CPU %.2f s/M%s" % (
  s["scenario"], s["protocol"], s["connected"], s["clients"], s["failed_clients"] + s["connect_failures"],
  s.get("deliveries_per_s", 0), s["lost"], s["latency_ms"]["P50"], s["latency_ms"]["P99"], s["latency_ms"]["Max"],
  (s.get("deliveries", 0) + s.get("userlist_replies", 0)) / max(1, s.get("frames", 0)),
  s.get("server_cpu_s_per_m_deliveries", 0), s.get("loadtest_cpu_s_per_m_deliveries", 0),
  ", RSS/conn %.1f KiB" % s["server_rss_per_conn_kib"] if s.get("server_rss_per_conn_kib") else ""))
PY
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3), gorilla/websocket $gorilla_version"
configs=("ours v1" "ours v2" "gorilla lines")

if [[ $sections == *" 1 "* ]]; then
echo; echo "== 1. 2000 users, each sending every 2 s, for $duration"
for c in "${configs[@]}"; do
  set -- $c
  [ "$1" = ours ] && start ours || start gorilla
  proto=(); [ "$1" = ours ] && proto=(-protocol "$2")
  load "$1" "$work/r1-$1-$2.json" "${proto[@]}" -scenario seed -userlist=false -clients 2000 -interval 2s -duration "$duration" -ramp 10s
done
fi

if [[ $sections == *" 2 "* ]]; then
echo; echo "== 2. saturation: 2000 users, $step per step, rates (talks/s): $rates"
for c in "${configs[@]}"; do
  set -- $c
  proto=(); [ "$1" = ours ] && proto=(-protocol "$2")
  for r in $rates; do
    [ "$1" = ours ] && start ours -msg-rate 0 || start gorilla
    out="$work/r2-$1-$2-$r.json"
    load "$1" "$out" "${proto[@]}" -scenario fanout -clients 2000 -senders 2000 -rate "$r" -duration "$step" -ramp 5s -drain 10s
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if s["lost"]==0 and s["failed_clients"]+s["connect_failures"]==0 and s["latency_ms"]["P99"]<=1000 else 1)' "$out" || break
  done
done
fi

if [[ $sections == *" 3 "* ]]; then
echo; echo "== 3. $idle idle connections, held $hold (this server with -presence=false: gorilla's example announces no joins)"
for c in "ours v1" "gorilla lines"; do
  set -- $c
  [ "$1" = ours ] && start ours -presence=false || start gorilla
  load "$1" "$work/r3-$1.json" -scenario idle -clients "$idle" -ramp 15s -duration "$hold"
done
fi
stop_server

echo
python3 - "$work" "$rates" <<'PY'
import json, os, sys
d, rates = sys.argv[1], sys.argv[2].split()
def get(name):
    p = os.path.join(d, name)
    return json.load(open(p)) if os.path.exists(p) else None
def healthy(s):
    return s and s["lost"] == 0 and s["failed_clients"] + s["connect_failures"] == 0 and s["latency_ms"]["P99"] <= 1000
rows = []
for key, label in [("ours-v1", "this server, v1 (one message per frame)"), ("ours-v2", "this server, v2 (batched frames)"), ("gorilla-lines", "gorilla examples/chat")]:
    r1 = get("r1-%s.json" % key)
    peak, at = 0, None
    for r in rates:
        s = get("r2-%s-%s.json" % (key, r))
        if s is None:
            break
        if healthy(s) and s["deliveries_per_s"] > peak:
            peak, at = s["deliveries_per_s"], s
    r3 = get("r3-%s.json" % key.split("-")[0]) if key != "ours-v2" else None
    rows.append((label, r1, peak, at, r3))
print("| server | 1: p50 ms | 1: p99 ms | 1: lost | 1: server / tool CPU s per M deliveries | 2: peak deliveries/s (p99 at peak) | 3: RSS per idle conn |")
print("|---|---|---|---|---|---|---|")
for label, r1, peak, at, r3 in rows:
    print("| %s | %s | %s | %s | %s | %s | %s |" % (label,
        "%.1f" % r1["latency_ms"]["P50"] if r1 else "-",
        "%.1f" % r1["latency_ms"]["P99"] if r1 else "-",
        "%d (%d clients failed)" % (r1["lost"], r1["failed_clients"]) if r1 else "-",
        "%.2f / %.2f" % (r1.get("server_cpu_s_per_m_deliveries", 0), r1.get("loadtest_cpu_s_per_m_deliveries", 0)) if r1 else "-",
        "%.2f M (%.0f ms)" % (peak / 1e6, at["latency_ms"]["P99"]) if at else "-",
        "%.1f KiB" % r3["server_rss_per_conn_kib"] if r3 else "-"))
g = rows[2]
for label, r1, peak, at, r3 in rows[:2]:
    parts = []
    if r1 and g[1] and g[1]["latency_ms"]["P99"] > 0:
        parts.append("p99 at 1 = %.2f x gorilla's (target <= 0.5)" % (r1["latency_ms"]["P99"] / g[1]["latency_ms"]["P99"]))
    if peak and g[2]:
        parts.append("peak at 2 = %.2f x gorilla's (target >= 1.5)" % (peak / g[2]))
    if r3 and g[4]:
        parts.append("RSS per idle conn = %.1f KiB vs %.1f KiB (target <= 10)" % (r3["server_rss_per_conn_kib"], g[4]["server_rss_per_conn_kib"]))
    print("%s: %s" % (label, "; ".join(parts)))
PY
