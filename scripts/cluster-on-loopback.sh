#!/usr/bin/env bash
# The deployment of docs/cluster.md, on one machine's loopback: a 3-server
# NATS cluster with JetStream, two chat nodes on it (-nats-replicas 3), and
# nginx in front of them. Then the load tool's users go in through nginx,
# NATS server n1 is stopped mid-run, and the run must lose nothing. Every
# port is a free one (nginx's is PORT, if set). Needs Debian's nginx
# (apt-get install nginx-light).
#
#   bash scripts/cluster-on-loopback.sh          # CLIENTS=500 DURATION=30s
#   KEEP=1 bash scripts/cluster-on-loopback.sh   # leave it all running; Ctrl-C stops it
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
clients=${CLIENTS:-500}
duration=${DURATION:-30s}
command -v nginx >/dev/null || { echo "needs nginx: apt-get install nginx-light" >&2; exit 2; }

work=$(mktemp -d /tmp/chatroom-cluster.XXXX)
pids=()
cleanup() {
  [ ! -f "$work/nginx.pid" ] || kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# free_port VAR: sets VAR to a loopback port that nothing listens on and
# that this script has not taken yet, below the kernel's ephemeral ports.
taken=" "
free_port() {
  local -n port_var=$1
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12000))
    [[ $taken == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      taken+="$p "
      port_var=$p
      return 0
    fi
  done
  echo "found no free port" >&2
  return 1
}
nats_port=() route_port=()
for i in 1 2 3; do free_port "nats_port[$i]"; free_port "route_port[$i]"; done
free_port node_a
free_port node_b
if [ -n "${PORT:-}" ]; then nginx_port=$PORT; else free_port nginx_port; fi

echo "== building the server, the load tool and nats-server"
go build -o "$work/server" ./server
go build -o "$work/loadtest" ./loadtest
go build -o "$work/nats-server" github.com/nats-io/nats-server/v2

echo "== NATS: three servers, one cluster, JetStream"
for i in 1 2 3; do
  cat >"$work/nats-$i.conf" <<CONF
server_name: n$i
listen: 127.0.0.1:${nats_port[$i]}
jetstream { store_dir: "$work/js-$i" }
cluster {
  name: chatroom
  listen: 127.0.0.1:${route_port[$i]}
  routes: [nats-route://127.0.0.1:${route_port[1]}, nats-route://127.0.0.1:${route_port[2]}, nats-route://127.0.0.1:${route_port[3]}]
}
CONF
  "$work/nats-server" -c "$work/nats-$i.conf" >"$work/nats-$i.log" 2>&1 &
  pids+=($!)
done
nats_pid_1=${pids[0]}
for i in 1 2 3; do listening "${nats_port[$i]}" 15; done
nats=nats://127.0.0.1:${nats_port[1]},nats://127.0.0.1:${nats_port[2]},nats://127.0.0.1:${nats_port[3]}

echo "== chat nodes a and b"
# JetStream needs a moment to elect its meta leader: the nodes retry.
for n in a b; do
  port=$([ $n = a ] && echo "$node_a" || echo "$node_b")
  for _ in $(seq 30); do
    # -trusted-proxies: nginx's clients are counted apart (docs/cluster.md);
    # the limits are off all the same, since every simulated user is 127.0.0.1.
    "$work/server" -addr 127.0.0.1:$port -nats "$nats" -nats-replicas 3 -node $n -trusted-proxies 127.0.0.1 \
      -max-conns-per-ip 0 -join-rate-per-ip 0 -msg-rate-per-ip 0 -userlist-rate-per-ip 0 -log-dir "$work/log-$n" -log-stderr=false &
    pid=$!
    if listening $port 15 2>/dev/null; then pids+=($pid); break; fi
    wait $pid 2>/dev/null || true
  done
  listening $port 15
done

echo "== nginx on 127.0.0.1:$nginx_port"
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  upstream chat {
    least_conn;
    server 127.0.0.1:$node_a;
    server 127.0.0.1:$node_b;
  }
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:$nginx_port;
    location /ws {
      proxy_pass http://chat;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_read_timeout 120s;
    }
    location / {
      proxy_pass http://chat;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
}
CONF
nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx.conf"
listening "$nginx_port" 15
curl -fsS "http://127.0.0.1:$nginx_port/readyz"

if [ -n "${KEEP:-}" ]; then
  echo "running: ws://127.0.0.1:$nginx_port/ws (configs in $work); Ctrl-C stops everything"
  wait
fi

echo "== $clients users through nginx for $duration; NATS server n1 stops after 10 s"
( sleep 10; kill "$nats_pid_1"; echo "   (n1 stopped)" ) & # the fault, at a set time: not a wait for something
set +e
"$work/loadtest" -url "ws://127.0.0.1:$nginx_port/ws" -scenario seed -clients "$clients" -interval 2s -duration "$duration" -ramp 5s -progress 10s
status=$?
echo "== what the nodes refused or warned about"
grep -h -E 'level=(warning|error)|frame rejected' "$work"/log-*/chatroom.log | cut -c1-220 | sort | uniq -c | sort -rn | head -10 || true
exit $status
