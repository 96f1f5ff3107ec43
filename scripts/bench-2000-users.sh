#!/usr/bin/env bash
# The spec's locust scenario at scale, against a fresh server on loopback:
# CLIENTS users (default 2000) each send a talk and a userlist request every
# 2 s for DURATION (default 60s). Prints deliveries/s, latency, loss and the
# server's RSS and CPU. Usage: bash scripts/bench-2000-users.sh [extra loadtest flags]
# Every user connects from 127.0.0.1: the server runs with its per-address
# limits off (-max-conns-per-ip 0 -join-rate-per-ip 0 -msg-rate-per-ip 0 -userlist-rate-per-ip 0).
# Each user sends 1 frame/s, under the server's -msg-rate (10/s); with an
# -interval under 200ms set SERVER_FLAGS="-msg-rate 0" (extra server flags),
# and under 2s add -userlist-interval 0 (one user list per 2 s a connection).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
clients=${CLIENTS:-2000}
duration=${DURATION:-60s}
port=${PORT:-9100}
bin=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$bin"' EXIT
go build -o "$bin/server" ./server
go build -o "$bin/loadtest" ./loadtest
# shellcheck disable=SC2086 # SERVER_FLAGS is a list of flags
"$bin/server" -addr "127.0.0.1:$port" -log-dir "$bin/log" -data-dir "$bin/data" -log-stderr=false -max-conns-per-ip 0 -join-rate-per-ip 0 -msg-rate-per-ip 0 -userlist-rate-per-ip 0 ${SERVER_FLAGS:-} &
server=$!
listening "$port" 10 "$server"
echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3)"
"$bin/loadtest" -url "ws://127.0.0.1:$port/ws" -clients "$clients" -duration "$duration" -ramp 20s -pid "$server" "$@"
