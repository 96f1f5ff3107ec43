# Shell functions the scripts here share: `. scripts/lib.sh` from the
# repository's root.

# listening PORT [SECONDS] [PID]: wait until something accepts on
# 127.0.0.1:PORT, SECONDS at most (default 10); with PID, fail at once if
# that process (the one meant to listen) has exited.
listening() {
  local tries=$(( ${2:-10} * 10 ))
  for _ in $(seq "$tries"); do
    if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then
      echo "process $3 exited before listening on 127.0.0.1:$1 (port taken? set PORT)" >&2
      return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1 # polling for the process to listen, bounded by SECONDS
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}
