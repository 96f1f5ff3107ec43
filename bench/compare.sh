#!/usr/bin/env bash
# This server against gorilla/websocket's examples/chat (v1.5.3, built from
# the module proxy) and Centrifugo (v6.9.1: go install, cached as
# $(go env GOPATH)/bin/centrifugo and reused while its version matches),
# the identical load from ./loadtest against each, on loopback, one after
# the other:
#   1. 2000 users each sending every 2 s (1000 talks/s in, 2 M deliveries/s
#      out): p50, p99, loss
#   2. saturation: 2000 users, the send rate raised step by step (RATES)
#      until the server breaks (p99 latency over 1 s, a client lost or a
#      delivery lost), or the rates or its time budget (SAT_BUDGET) run out:
#      each server's peak; the steps are drawn into docs/saturation.png
#      (and their numbers kept in docs/saturation.json)
#   3. IDLE (15,000) users connect at once, 64 handshakes at a time, every
#      client reading, held HOLD: the time until all have joined (this
#      server: its own join; Centrifugo: the subscribe's reply; gorilla's
#      example has none: connected) and the server's RSS per connection
#   4. connect rate: 64 workers connecting, joining and leaving for
#      CONNECT_FOR: sessions per second
# This server runs at its default flags (presence on) but for what the
# load needs: it is measured with one message per frame (v1, the spec's) and
# with batched frames (v2, the chatroom.v2 subprotocol) in 1 and 2; gorilla's
# example batches by itself (newline-separated text), Centrifugo too (its
# JSON protocol, newline-separated). Neither has presence (joins, leaves, a
# user list): the table says so. Centrifugo runs in insecure client mode
# (anonymous connect, subscribe and publish) from a config this script
# writes, with its default queues and pings.
# Every user connects from 127.0.0.1, so this server runs with its
# per-address limits off (-max-conns-per-ip 0 -join-rate-per-ip 0
# -msg-rate-per-ip 0 -userlist-rate-per-ip 0); its per-connection message limit (-msg-rate, 10/s)
# stays on where users send every 2 s and is off (-msg-rate 0) in the
# saturation search, which looks for the server's limit, not the limiter's.
# The load tool shares the machine: each step prints its CPU per million
# deliveries beside the server's, so a reader sees which one is the limit.
# Takes about 20 minutes, at most 25 (and two more the first time, to
# build Centrifugo): section 2 is bounded by SAT_BUDGET per server. Usage: bash bench/compare.sh
# Environment: CLIENTS (default 2000) in 1 and 2; DURATION (30s) for 1; STEP (10s) per saturation step,
# RATES (talks/s, "250 500 1000 1500 2000 2500 3000 3500 4000 6000 8000 12000 16000"),
# SAT_BUDGET (300: seconds of saturation steps per server; a step started
# before it runs out finishes); IDLE (15000), HOLD (45s);
# CONNECT_FOR (10s); SECTIONS ("1 2 3 4": which to run); SERVERS ("ours
# gorilla centrifugo": which to measure); CENTRIFUGO (a centrifugo binary
# to use instead); PORT (9201: this server's; the next two are gorilla's
# and Centrifugo's); RESULTS (a folder to keep every run's JSON summary in);
# OURS (a server binary to measure instead of one built from ./server: the
# code before a change, for a before-and-after).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
duration=${DURATION:-30s}
step=${STEP:-10s}
rates=${RATES:-250 500 1000 1500 2000 2500 3000 3500 4000 6000 8000 12000 16000}
sat_budget=${SAT_BUDGET:-300}
idle=${IDLE:-15000}
hold=${HOLD:-45s}
connect_for=${CONNECT_FOR:-10s}
sections=" ${SECTIONS:-1 2 3 4} "
servers=" ${SERVERS:-ours gorilla centrifugo} "
ours_port=${PORT:-9201}
gorilla_port=$((ours_port + 1))
centrifugo_port=$((ours_port + 2))
clients=${CLIENTS:-2000}
centrifugo_version=v6.9.1
began=$(date +%s)

work=$(mktemp -d)
pid=
stop_server() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap 'stop_server; rm -rf "$work"' EXIT

echo "building ./server, ./loadtest, ./internal/benchplot and github.com/gorilla/websocket/examples/chat"
if [ -n "${OURS:-}" ]; then cp "$OURS" "$work/server"; else go build -o "$work/server" ./server; fi
go build -o "$work/loadtest" ./loadtest
go build -o "$work/benchplot" ./internal/benchplot
go build -o "$work/gorilla-chat" github.com/gorilla/websocket/examples/chat
gorilla_version=$(go list -m -f '{{.Version}}' github.com/gorilla/websocket)

# centrifugo_binary prints the Centrifugo to run: $CENTRIFUGO, or the one
# cached in $(go env GOPATH)/bin if it is $centrifugo_version, else one
# built now (go install into the work folder, then moved to the cache).
centrifugo_binary() {
  if [ -n "${CENTRIFUGO:-}" ]; then echo "$CENTRIFUGO"; return; fi
  local cached
  cached="$(go env GOPATH)/bin/centrifugo"
  if ! go version -m "$cached" 2>/dev/null | grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/centrifugal/centrifugo/v6[[:space:]]+$centrifugo_version[[:space:]]"; then
    echo "building Centrifugo $centrifugo_version (about two minutes, once)" >&2
    GOBIN="$work/centrifugo-bin" go install "github.com/centrifugal/centrifugo/v6@$centrifugo_version" >&2
    mkdir -p "$(dirname "$cached")"
    mv "$work/centrifugo-bin/centrifugo" "$cached"
  fi
  echo "$cached"
}
if [[ $servers == *" centrifugo "* ]]; then
  centrifugo=$(centrifugo_binary)
  # The format follows the file's extension. Insecure client mode: anyone
  # connects, subscribes and publishes, for the benchmark only.
  cat >"$work/centrifugo.json" <<JSON
{
  "log": {"level": "error"},
  "http_server": {"address": "127.0.0.1", "port": $centrifugo_port},
  "client": {"insecure": true, "allowed_origins": ["*"]},
  "channel": {"without_namespace": {"allow_subscribe_for_client": true, "allow_subscribe_for_anonymous": true, "allow_publish_for_client": true, "allow_publish_for_anonymous": true}}
}
JSON
fi

# start NAME [FLAGS...] starts one server (FLAGS: this server's) and waits
# (bounded) until it listens.
start() {
  stop_server
  case $1 in
    ours) rm -rf "$work/data"; "$work/server" -addr "127.0.0.1:$ours_port" -log-dir "$work/log" -data-dir "$work/data" -log-stderr=false -max-conns-per-ip 0 -join-rate-per-ip 0 -msg-rate-per-ip 0 -userlist-rate-per-ip 0 "${@:2}" & port=$ours_port ;;
    gorilla) (cd "$work" && exec ./gorilla-chat -addr "127.0.0.1:$gorilla_port") >/dev/null 2>&1 & port=$gorilla_port ;;
    centrifugo) "$centrifugo" --config "$work/centrifugo.json" >"$work/centrifugo.log" 2>&1 & port=$centrifugo_port ;;
  esac
  pid=$!
  listening "$port" 10 "$pid" || { echo "$1 did not start" >&2; exit 1; }
}

# load NAME PROTOCOL OUT FLAGS... runs the load tool against server NAME
# with PROTOCOL, keeps its JSON summary in OUT and prints the readable one
# (with the share of $rate, if set, the tool managed to send).
load() {
  local name=$1 proto=$2 out=$3 url; shift 3
  case $name in
    ours) url="ws://127.0.0.1:$ours_port/ws" ;;
    gorilla) url="ws://127.0.0.1:$gorilla_port/ws" ;;
    centrifugo) url="ws://127.0.0.1:$centrifugo_port/connection/websocket" ;;
  esac
  "$work/loadtest" -url "$url" -protocol "$proto" -pid "$pid" -json -progress 10s "$@" >"$out" 2>"$out.log" || true
  python3 bench/report.py line "$out" "$(tail -n 3 "$out.log")" ${rate:+"$rate"}
}

# configs are the server and protocol pairs of sections 1 and 2; sections
# 3 and 4 measure each server once (this server with v1: the framing
# changes neither).
configs=()
for s in $servers; do
  case $s in
    ours) configs+=("ours v1" "ours v2") ;;
    gorilla) configs+=("gorilla lines") ;;
    centrifugo) configs+=("centrifugo centrifugo") ;;
    *) echo "SERVERS: unknown server $s (want ours, gorilla, centrifugo)" >&2; exit 2 ;;
  esac
done
machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3)"
echo "machine: $machine, gorilla/websocket $gorilla_version${centrifugo:+, Centrifugo $centrifugo_version}"

if [[ $sections == *" 1 "* ]]; then
echo; echo "== 1. $clients users, each sending every 2 s, for $duration"
for c in "${configs[@]}"; do
  set -- $c
  start "$1"
  load "$1" "$2" "$work/r1-$1-$2.json" -scenario seed -userlist=false -clients "$clients" -interval 2s -duration "$duration" -ramp 10s
done
fi

if [[ $sections == *" 2 "* ]]; then
echo; echo "== 2. saturation: $clients users, $step per step, rates (talks/s) until the server breaks: $rates (at most ${sat_budget}s per server)"
for c in "${configs[@]}"; do
  set -- $c
  t0=$(date +%s)
  for r in $rates; do
    if [ $(( $(date +%s) - t0 )) -ge "$sat_budget" ]; then
      echo "   $1 $2: time budget (${sat_budget}s) spent before $r talks/s"; break
    fi
    [ "$1" = ours ] && start ours -msg-rate 0 || start "$1"
    out="$work/r2-$1-$2-$r.json"
    rate=$r load "$1" "$2" "$out" -scenario fanout -clients "$clients" -senders "$clients" -rate "$r" -duration "$step" -ramp 5s -drain 10s
    python3 bench/report.py healthy "$out" || break
  done
done
python3 bench/report.py saturation "$work" "$rates" "$clients" "$machine" "${configs[@]}" >"$work/saturation.json"
cp "$work/saturation.json" docs/saturation.json
"$work/benchplot" -in docs/saturation.json -out docs/saturation.png && echo "   drew docs/saturation.png"
fi

if [[ $sections == *" 3 "* ]]; then
echo; echo "== 3. $idle users connect at once (64 handshakes at a time), every one reading, held $hold"
for s in $servers; do
  proto=v1; [ "$s" = gorilla ] && proto=lines; [ "$s" = centrifugo ] && proto=centrifugo
  start "$s"
  load "$s" "$proto" "$work/r3-$s.json" -scenario idle -clients "$idle" -ramp 0 -duration "$hold"
done
fi

if [[ $sections == *" 4 "* ]]; then
echo; echo "== 4. connect rate: 64 at a time for $connect_for (each: connect, join, leave)"
for s in $servers; do
  proto=v1; [ "$s" = gorilla ] && proto=lines; [ "$s" = centrifugo ] && proto=centrifugo
  start "$s"
  load "$s" "$proto" "$work/r4-$s.json" -scenario connect -concurrency 64 -duration "$connect_for"
done
fi
stop_server
if [ -n "${RESULTS:-}" ]; then mkdir -p "$RESULTS" && cp "$work"/*.json "$RESULTS"/ && echo "kept every run's JSON summary in $RESULTS"; fi

echo
python3 bench/report.py table "$work" "$rates" "${configs[@]}"
echo "took $(( ($(date +%s) - began) / 60 )) min $(( ($(date +%s) - began) % 60 )) s"
