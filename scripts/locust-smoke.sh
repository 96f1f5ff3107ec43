#!/usr/bin/env bash
# Locust smoke load test, on a Debian machine with Go (as root, or with sudo):
# installs Debian's locust, websocket-client and protobuf for /usr/bin/python3
# when missing, checks locust/chat_message_pb2.py is up to date, builds the chat
# server, starts it on a free loopback port and runs locust/locustfile.py
# headless against it: 100 users (50/s), each one talk and one userlist
# every 2 s, for 30 s. Fails if locust reports any failure, if the expected
# requests did not happen, or if the server died.
#
#   bash scripts/locust-smoke.sh
#
# Knobs (environment): LOCUST_USERS (100), LOCUST_SPAWN_RATE (50),
# LOCUST_RUN_TIME seconds (30), LOCUST_USERNAME_PREFIX (read by the locustfile).
# Network: 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

users=${LOCUST_USERS:-100}
spawn_rate=${LOCUST_SPAWN_RATE:-50}
run_time=${LOCUST_RUN_TIME:-30}

# Debian's packages are for Debian's Python, whatever python3 is on PATH.
PY=/usr/bin/python3
LOCUST=/usr/bin/locust

say() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in python3-locust python3-websocket python3-protobuf; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
command -v protoc >/dev/null || missing+=(protobuf-compiler)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # graceful shutdown is bounded by -shutdown-timeout (10 s); then no mercy
    for _ in $(seq 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "locust smoke: FAIL: $*" >&2; exit 1; }

say "locust/chat_message_pb2.py is up to date"
mkdir "$tmp/gen"
protoc --python_out="$tmp/gen" -I model model/chat_message.proto
if ! cmp -s "$tmp/gen/chat_message_pb2.py" locust/chat_message_pb2.py; then
  echo "locust/chat_message_pb2.py is stale or missing: run: protoc --python_out=locust -I model model/chat_message.proto" >&2
  exit 1
fi

say "building and starting the server"
go build -o "$tmp/server" ./server
# Port 0: the kernel picks a free port; the server logs the URL it listens on.
# Every locust user comes from 127.0.0.1: no per-address limit.
"$tmp/server" -addr 127.0.0.1:0 -max-conns-per-ip 0 -join-rate-per-ip 0 -msg-rate-per-ip 0 -userlist-rate-per-ip 0 -log-dir "$tmp/log" -data-dir "$tmp/data" -log-stderr=false >"$tmp/server.out" 2>&1 &
server_pid=$!

server_log() { cat "$tmp/server.out" "$tmp/log/chatroom.log" 2>/dev/null || true; }

url=
deadline=$((SECONDS + 20))
while [ -z "$url" ]; do
  kill -0 "$server_pid" 2>/dev/null || { server_log >&2; fail "the server exited at start"; }
  url=$(grep -h 'chat server listening' "$tmp/log/chatroom.log" 2>/dev/null |
    grep -o 'ws://127\.0\.0\.1:[0-9]*/ws' | head -n 1) || true
  [ -n "$url" ] && break
  [ "$SECONDS" -lt "$deadline" ] || { server_log >&2; fail "the server logged no listening URL in 20 s"; }
  sleep 0.1
done
port=${url#ws://127.0.0.1:}
port=${port%/ws}
echo "server pid $server_pid listening on $url"

# GET /healthz with bash's /dev/tcp (curl may be absent).
healthz() {
  local resp
  resp=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" &&
    printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 &&
    timeout 2 cat <&3) 2>/dev/null) || return 1
  [[ $resp == HTTP/1.?" 200"* && $resp == *ok* ]]
}
deadline=$((SECONDS + 10))
until healthz; do
  kill -0 "$server_pid" 2>/dev/null || { server_log >&2; fail "the server exited before /healthz answered"; }
  [ "$SECONDS" -lt "$deadline" ] || fail "GET /healthz did not answer 200 ok in 10 s"
  sleep 0.1
done
echo "GET /healthz: 200 ok"

say "locust: $users users, $spawn_rate/s, ${run_time}s against ws://127.0.0.1:$port"
set +e
PYTHONDONTWRITEBYTECODE=1 timeout -k 5 $((run_time + 60)) \
  "$PY" "$LOCUST" -f locust/locustfile.py --headless -u "$users" -r "$spawn_rate" -t "${run_time}s" \
  --host "ws://127.0.0.1:$port" --only-summary --csv "$tmp/locust" 2>&1
locust_rc=$?
set -e

server_alive=true
kill -0 "$server_pid" 2>/dev/null || server_alive=false

say "server log: warnings and errors"
warnings=$(grep -E 'level=(warning|error|fatal|panic)' "$tmp/log/chatroom.log" 2>/dev/null || true)
if [ -n "$warnings" ]; then printf '%s\n' "$warnings" | head -n 20; else echo "(none)"; fi

if ! $server_alive; then
  tail -n 30 "$tmp/server.out" >&2
  tail -n 5 "$tmp/log/chatroom.log" >&2 2>/dev/null || true
  fail "the server died during the run"
fi
[ "$locust_rc" = 0 ] || fail "locust exited $locust_rc (any failure makes it exit 1)"

# Locust exits 0 on a run that did nothing: check the requests happened.
"$PY" - "$tmp/locust_stats.csv" "$users" <<'EOF' || fail "the stats are not what a working run produces"
import csv, sys
rows = {r["Name"]: r for r in csv.DictReader(open(sys.argv[1]))}
users = int(sys.argv[2])
def count(name, col="Request Count"):
    return int(rows[name][col]) if name in rows else 0
problems = []
if count("Aggregated", "Failure Count"):
    problems.append(f"{count('Aggregated', 'Failure Count')} failures")
if count("connect") < users:
    problems.append(f"{count('connect')} connects for {users} users")
for name in ("send talk", "send userlist", "userlist reply", "talk delivered"):
    if count(name) == 0:
        problems.append(f"no '{name}'")
for p in problems:
    print("locust smoke:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
say "locust smoke: PASS (0 failures)"
