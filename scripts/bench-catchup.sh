#!/usr/bin/env bash
# The catchup scenario (issue 17) against a fresh server on loopback that
# keeps its history in a temporary -data-dir: CLIENTS users (default 2000)
# in ROOMS rooms (default 100), each in PER_USER of them (default 5),
# SENDERS of them (default all) sending RATE talks/s in all (default 1000)
# for DURATION (default 60s); every DROP_EVERY (default 5s) DROP_SHARE of
# the users (default 0.1) disconnect, half abruptly (the socket closed with
# no close frame), half with exit, stay away DROP_FOR (default 3s) and
# reconnect with since for each of their rooms. After a quiet drain, every
# user must hold, room by room, every talk of the room exactly once and in
# seq order: it prints gaps, duplicates, out-of-order talks and gap notices,
# and exits with 3 unless there are none.
# Usage: bash scripts/bench-catchup.sh [extra loadtest flags]
# As in bench-rooms.sh, the server's per-address limits are off (every user
# connects from 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
clients=${CLIENTS:-2000}
rooms=${ROOMS:-100}
per_user=${PER_USER:-5}
senders=${SENDERS:-$clients}
rate=${RATE:-1000}
duration=${DURATION:-60s}
drop_every=${DROP_EVERY:-5s}
drop_share=${DROP_SHARE:-0.1}
drop_for=${DROP_FOR:-3s}
port=${PORT:-9100}
bin=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$bin"' EXIT
go build -o "$bin/server" ./server
go build -o "$bin/loadtest" ./loadtest
# shellcheck disable=SC2086 # SERVER_FLAGS is a list of flags
"$bin/server" -addr "127.0.0.1:$port" -data-dir "$bin/data" -log-dir "$bin/log" -log-stderr=false \
  -max-conns-per-ip 0 -join-rate-per-ip 0 -msg-rate-per-ip 0 -userlist-rate-per-ip 0 -max-rooms-per-ip 0 ${SERVER_FLAGS:-} &
server=$!
listening "$port" 10 "$server"
echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3)"
"$bin/loadtest" -url "ws://127.0.0.1:$port/ws" -scenario catchup -clients "$clients" -rooms "$rooms" -rooms-per-user "$per_user" \
  -senders "$senders" -rate "$rate" -duration "$duration" -ramp 20s -drop-every "$drop_every" -drop-share "$drop_share" \
  -drop-for "$drop_for" -pid "$server" "$@"
