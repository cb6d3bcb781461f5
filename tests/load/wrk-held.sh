#!/usr/bin/env bash
# Load test of POST /held against the same server's liveness endpoint, in one run, on loopback only.
# Starts the service (Release) on its embedded default in a temporary directory, or uses BASE_URL if given.
# Usage: bash tests/load/wrk-held.sh [seconds=10] [connections=64]
# Environment: BASE_URL (use a running server instead), SERVER_PID (with BASE_URL: that server's process id, for the
# CPU figures), SKIP_BUILD=1 (use the existing Release build)
# Prints each path's wrk result, the throughput ratio, and the server's CPU time per request on each path (user +
# system time of the server process during that run, from /proc, divided by the requests served) with their ratio:
# on a machine shared with other work the CPU figures hold steadier than throughput. The load average is printed with
# them.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
duration=${1:-10}
connections=${2:-64}
command -v wrk >/dev/null || { echo "wrk is required: apt-get install -y wrk" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# shellcheck source=tests/load/lib.sh
. "$repo/tests/load/lib.sh"
work=$(mktemp -d)
# The service runs in its own process group; the trap stops the whole group, not a wrapper shell.
cleanup() { stop_all_groups; rm -rf "$work"; }
trap cleanup EXIT
if [ -z "${BASE_URL:-}" ]; then
  port=$(free_port)
  grpc=$(free_port)
  [ -n "${SKIP_BUILD:-}" ] || dotnet build "$repo/src/LocationServer" -c Release -v q -nologo >/dev/null
  bin="$repo/src/LocationServer/bin/Release/net10.0"
  start_group "$work/server.log" env -C "$bin" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
    Kestrel__Endpoints__Http__Url="http://127.0.0.1:$port" Routing__GrpcPort="$grpc" \
    Storage__DataDirectory="$work/data" Storage__SqlitePath="$work/data/ls.db" \
    dotnet "$bin/LocationServer.dll"
  BASE_URL="http://127.0.0.1:$port"
  SERVER_PID=$group_pid
  for _ in $(seq 100); do curl -sf "$BASE_URL/health/ready" >/dev/null && break; sleep 0.2; done
fi
curl -sf "$BASE_URL/health/ready" >/dev/null || { echo "server not ready"; cat "$work/server.log" 2>/dev/null; exit 1; }
# The load must measure located answers, not HELD errors (which also travel in HTTP 200).
answer=$(curl -sf -H 'Content-Type: application/held+xml;charset=utf-8' \
  --data '<locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held" responseTime="emergencyRouting"><locationType exact="false">civic geodetic</locationType></locationRequest>' \
  "$BASE_URL/held")
case "$answer" in *locationResponse*presence*) ;; *) echo "POST /held did not locate: $answer" >&2; exit 1 ;; esac

# CPU clock ticks (user + system) of every process in the server's process group; empty without SERVER_PID.
cpu_ticks() {
  [ -n "${SERVER_PID:-}" ] || return 0
  python3 - "$SERVER_PID" <<'PY'
import os, sys
group, total = int(sys.argv[1]), 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open(f"/proc/{pid}/stat") as f: fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    # After the command name: state ppid pgrp ... utime (14th field of the line) stime (15th).
    if int(pid) == group or int(fields[2]) == group: total += int(fields[11]) + int(fields[12])
print(total)
PY
}

# One measured wrk run; prints "RESULT ... cpu_ticks=N".
run() {
  local script="$1" url="$2" before after result
  before=$(cpu_ticks)
  result=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$repo/tests/load/$script" "$url" | grep '^RESULT')
  after=$(cpu_ticks)
  echo "$result cpu_ticks=$(( ${after:-0} - ${before:-0} ))"
}

# Warm up both paths (JIT, tiered compilation).
wrk -t2 -c"$connections" -d3s -s "$repo/tests/load/liveness.lua" "$BASE_URL/health/live" >/dev/null
wrk -t2 -c"$connections" -d3s -s "$repo/tests/load/held-post.lua" "$BASE_URL/held" >/dev/null
live=$(run liveness.lua "$BASE_URL/health/live")
held=$(run held-post.lua "$BASE_URL/held")
echo "liveness  $live"
echo "held      $held"
python3 - "$live" "$held" "$(getconf CLK_TCK)" "$([ -n "${SERVER_PID:-}" ] && echo 1)" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import sys, re
live, held, hz, measured, load = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
def field(s, name): return float(re.search(name + r"=(\d+)", s).group(1))
print(f"ratio held/liveness = {field(held, 'requests/s') / field(live, 'requests/s'):.2f} (target >= 0.6)")
if measured:
    def us(s): return field(s, "cpu_ticks") / hz * 1e6 / max(field(s, "requests"), 1)
    print(f"server CPU per request: liveness {us(live):.1f} us, held {us(held):.1f} us, "
          f"ratio liveness/held = {us(live) / us(held):.2f} (load average {load})")
else:
    print("server CPU per request: not measured (give SERVER_PID with BASE_URL)")
PY
