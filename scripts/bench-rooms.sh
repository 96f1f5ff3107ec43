#!/usr/bin/env bash
# The rooms scenario (issue 16) against a fresh server on loopback: CLIENTS
# users (default 2000) in ROOMS rooms (default 100), each in PER_USER of
# them (default 5, so 100 members a room), SENDERS of them (default all)
# sending RATE talks/s in all (default 1000, as the first step of the
# fanout saturation run in bench-vs-gorilla.sh), each talk to one of its
# sender's rooms in turn, for DURATION (default 60s). Prints the deliveries
# expected and received per room membership, lost, duplicates, deliveries
# to non-members, latency and the server's RSS and CPU.
# Usage: bash scripts/bench-rooms.sh [extra loadtest flags]
# Every user connects from 127.0.0.1: the server runs with its per-address
# limits off, as in bench-2000-users.sh (each sender sends under 1 talk/s),
# and -max-rooms-per-ip 0 (by default one address may open 100 rooms).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
clients=${CLIENTS:-2000}
rooms=${ROOMS:-100}
per_user=${PER_USER:-5}
senders=${SENDERS:-$clients}
rate=${RATE:-1000}
duration=${DURATION:-60s}
port=${PORT:-9100}
bin=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$bin"' EXIT
go build -o "$bin/server" ./server
go build -o "$bin/loadtest" ./loadtest
# shellcheck disable=SC2086 # SERVER_FLAGS is a list of flags
"$bin/server" -addr "127.0.0.1:$port" -log-dir "$bin/log" -data-dir "$bin/data" -log-stderr=false -max-conns-per-ip 0 -join-rate-per-ip 0 -msg-rate-per-ip 0 -userlist-rate-per-ip 0 -max-rooms-per-ip 0 ${SERVER_FLAGS:-} &
server=$!
listening "$port" 10 "$server"
echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3)"
"$bin/loadtest" -url "ws://127.0.0.1:$port/ws" -scenario rooms -clients "$clients" -rooms "$rooms" -rooms-per-user "$per_user" \
  -senders "$senders" -rate "$rate" -duration "$duration" -ramp 20s -pid "$server" "$@"
