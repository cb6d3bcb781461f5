# Helpers shared by the load scripts (sourced, not run). Every server a script starts runs in its own process
# group (setsid), so stopping it stops everything it started, whatever wraps it (cd, env, dotnet).
#
#   start_group LOG COMMAND [ARGS...]   starts COMMAND in a new session (its own process group); sets $group_pid
#   stop_group PID [SECONDS=20]         SIGTERM to the group, SIGKILL after SECONDS if any of it is left
#   stop_all_groups                     stops every group started by start_group (use in the EXIT trap)
#   free_port                           a free TCP port on 127.0.0.1
#   timed_cli DLL WORK NAME ROWS ARGS...  runs the service's command line once (dotnet exec DLL ARGS, output in
#                                       WORK/NAME.out, printed and fatal on failure) and prints its wall time, and
#                                       ROWS per second unless ROWS is 0

started_groups=()

start_group() {
  local log="$1"
  shift
  setsid "$@" >"$log" 2>&1 </dev/null &
  group_pid=$!
  started_groups+=("$group_pid")
}

stop_group() {
  local pid="$1" seconds="${2:-20}" i
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || return 0
  for ((i = 0; i < seconds * 10; i++)); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

stop_all_groups() {
  local pid
  for pid in "${started_groups[@]}"; do stop_group "$pid"; done
  started_groups=()
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

timed_cli() {
  local dll="$1" work="$2" name="$3" count="$4" start end
  shift 4
  start=$(date +%s.%N)
  dotnet exec "$dll" "$@" >"$work/$name.out" 2>&1 || { cat "$work/$name.out" >&2; exit 1; }
  end=$(date +%s.%N)
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]); print(f'{sys.argv[4]:<34} {s:7.2f} s' + (f'  {n/s:9.0f} rows/s' if n else ''))" "$start" "$end" "$count" "$name"
}
