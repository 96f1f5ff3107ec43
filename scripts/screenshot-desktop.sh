#!/usr/bin/env bash
# Remakes docs/client-session.png: a real server and two desktop clients
# (one English, one Chinese) under two Xvfb displays, driven with xdotool,
# Chinese typed through the clipboard. It shows rooms and a direct message:
# alice talks in the lobby, joins the room 中文 by name, and gets a direct
# message from 张三, who chose her in 中文's user list, and searches 中文
# (Ctrl+F) for "rooms". Needs Debian's xvfb,
# xdotool, xclip, imagemagick, x11-utils and fonts-noto-cjk, plus the
# client's build packages.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in Xvfb xdotool xclip import convert xdpyinfo; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install xvfb xdotool xclip imagemagick x11-utils fonts-noto-cjk" >&2; exit 1; }
done
port=${PORT:-9300}
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/server" ./server
go build -o "$tmp/client" ./client
"$tmp/server" -addr "127.0.0.1:$port" -log-dir "$tmp/log" -data-dir "$tmp/data" -log-stderr=false & pids+=($!)
for d in 98 99; do Xvfb ":$d" -screen 0 1000x600x24 >/dev/null 2>&1 & pids+=($!); done
# wait for both displays (bounded: 30 s on a busy machine)
up() { xdpyinfo -display :98 >/dev/null 2>&1 && xdpyinfo -display :99 >/dev/null 2>&1; }
for _ in $(seq 300); do up && break; sleep 0.1; done
up || { echo "Xvfb did not start on :98 and :99 (in use by another program?)" >&2; exit 1; }
DISPLAY=:98 LC_ALL=en_US.UTF-8 "$tmp/client" -addr "127.0.0.1:$port" -username alice -room lobby,go >"$tmp/alice.log" 2>&1 & pids+=($!)
DISPLAY=:99 LC_ALL=zh_CN.UTF-8 "$tmp/client" -addr "127.0.0.1:$port" -username 张三 -room lobby >"$tmp/zh.log" 2>&1 & pids+=($!)
for d in 98 99; do
  for _ in $(seq 100); do DISPLAY=:$d xdotool search --name . >/dev/null 2>&1 && break; sleep 0.1; done
done
sleep 1 # let the first frame draw (a pause for a person's eyes, not a condition)
# Places in the 1000x600 window (see view/window.go's layout).
connect() { DISPLAY=$1 xdotool mousemove 600 49 click 1 key Return; sleep 1; } # Enter in the username field
paste() { # $1 display, $2 text, $3 $4 where to click first
  printf '%s' "$2" | DISPLAY=$1 xclip -selection clipboard
  DISPLAY=$1 xdotool mousemove "$3" "$4" click 1 key ctrl+a ctrl+v
  sleep 0.3
  DISPLAY=$1 xdotool key Return
  sleep 0.8
}
say() { paste "$1" "$2" 497 529; }
join() { paste "$1" "$2" 88 351; }
connect :98
connect :99
say :98 "Hello everyone! Is anyone here?"
say :99 "你好，alice！我在这里。"
join :98 "中文"
join :99 "中文"
say :99 "欢迎来到中文聊天室 😊"
say :98 "Thanks! Rooms and direct messages work nicely."
DISPLAY=:99 xdotool mousemove 880 206 click 1; sleep 0.8 # 张三 chooses alice in the user list (under its count and filter)
say :99 "悄悄话：今晚一起吃饭吗？"
DISPLAY=:98 xdotool key ctrl+f; sleep 0.5 # alice searches the room shown
DISPLAY=:98 xdotool type --delay 50 "rooms"; DISPLAY=:98 xdotool key Return; sleep 0.8
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "process $pid (a server, display or client) died: $(cat "$tmp"/*.log 2>/dev/null | tail -5)" >&2; exit 1; }; done
DISPLAY=:98 import -window root "$tmp/en.png"
DISPLAY=:99 import -window root "$tmp/zh.png"
convert "$tmp/en.png" "$tmp/zh.png" +append docs/client-session.png
echo "wrote docs/client-session.png"
