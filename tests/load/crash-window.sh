#!/usr/bin/env bash
# The crash window of call records: what a kill -9 loses. Starts the service (Release, embedded SQLite store, demo
# data) in its own process group, routes 911 calls at RATE per second over gRPC (python3-grpcio), kills the whole
# group with SIGKILL after KILL_AFTER seconds while calls keep arriving, then reads the database file and compares
# the call records committed with the calls that had been answered. Prints how many answered calls had no record and
# how long before the kill the oldest of them had been answered: the window a crash can lose. Loopback only,
# bounded in count and time.
#
# Usage: bash tests/load/crash-window.sh [RATE=1000] [KILL_AFTER=5] [RUNS=3]
# Environment: SKIP_BUILD=1 (use the existing Release build), BIN_DIR (another build of the service),
#              GRPC_AUTHORIZATION (the `authorization` metadata on every call; default the demo call server's key)
set -euo pipefail
export GRPC_AUTHORIZATION="${GRPC_AUTHORIZATION:-Bearer demo-callserver-key}"
repo=$(cd "$(dirname "$0")/../.." && pwd)
rate=${1:-1000}
kill_after=${2:-5}
runs=${3:-3}
[ "$rate" -le 5000 ] && [ "$kill_after" -le 60 ] && [ "$runs" -le 10 ] || { echo "RATE <= 5000, KILL_AFTER <= 60, RUNS <= 10" >&2; exit 2; }
/usr/bin/python3 -c 'import grpc' 2>/dev/null || { echo "python3-grpcio is missing: apt-get install -y python3-grpcio" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# shellcheck source=tests/load/lib.sh
. "$repo/tests/load/lib.sh"
work=$(mktemp -d)
cleanup() { stop_all_groups; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${SKIP_BUILD:-}" ] || [ -n "${BIN_DIR:-}" ] || dotnet build "$repo/src/LocationServer" -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
bin="${BIN_DIR:-$repo/src/LocationServer/bin/Release/net10.0}"

for run in $(seq "$runs"); do
  data="$work/run$run"
  mkdir -p "$data"
  http=$(free_port)
  grpc=$(free_port)
  start_group "$data/server.log" env -C "$bin" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
    Kestrel__Endpoints__Http__Url="http://127.0.0.1:$http" Routing__GrpcPort="$grpc" \
    Storage__DataDirectory="$data" Storage__SqlitePath="$data/ls.db" \
    dotnet "$bin/LocationServer.dll"
  pid=$group_pid
  for _ in $(seq 300); do
    curl -sf -m 2 "http://127.0.0.1:$http/health/ready" >/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
    sleep 0.2
  done
  /usr/bin/python3 - "127.0.0.1:$grpc" "$rate" "$kill_after" "$pid" "$data/ls.db" "$run" <<'PY'
import os, signal, sqlite3, sys, threading, time
import grpc
target, rate, kill_after, pid, db, run = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]

def field(number, text):
    data = text.encode()
    return bytes([(number << 3) | 2, len(data)]) + data
request = field(1, "demo") + field(2, "911") + field(3, "+15125550199") + field(8, "crash-window")

def record_id(message):
    i = 0
    while i < len(message):
        key = message[i]; i += 1
        number, wire = key >> 3, key & 7
        if wire == 0:
            while message[i] & 0x80: i += 1
            i += 1
            continue
        length, shift = 0, 0
        while True:
            b = message[i]; i += 1; length |= (b & 0x7F) << shift; shift += 7
            if not b & 0x80: break
        if number == 8 and wire == 2:
            return message[i:i + length].decode()
        i += length
    return None

metadata = [("authorization", os.environ["GRPC_AUTHORIZATION"])] if os.environ.get("GRPC_AUTHORIZATION") else None
answered, lock = {}, threading.Lock()
with grpc.insecure_channel(target) as channel:
    call = channel.unary_unary("/locationserver.routing.v1.RoutingService/RouteCall")
    call(request, timeout=5, metadata=metadata)          # warm-up, committed long before the kill
    time.sleep(0.5)
    def done(future):
        at = time.monotonic()
        if future.exception() is None:
            rid = record_id(future.result())
            with lock: answered[rid] = at
    start = time.monotonic()
    killed_at = None
    i = 0
    while time.monotonic() - start < kill_after + 1:
        now = time.monotonic()
        if killed_at is None and now - start >= kill_after:
            killed_at = time.monotonic()
            os.killpg(pid, signal.SIGKILL)
        due = start + i / rate
        if due > now:
            time.sleep(due - now)
        if killed_at is None:
            call.future(request, timeout=2, metadata=metadata).add_done_callback(done)
            i += 1
        else:
            time.sleep(0.01)
    time.sleep(0.5)

with lock:
    before_kill = {rid: at for rid, at in answered.items() if at <= killed_at}
connection = sqlite3.connect(db)
stored = {row[0].replace("-", "").lower() for row in connection.execute("SELECT id FROM call_records")}
connection.close()
lost = {rid: killed_at - at for rid, at in before_kill.items() if rid not in stored}
oldest = max(lost.values()) * 1000 if lost else 0.0
print("run %s: %d calls sent at %d/s, %d answered before the kill, %d of those committed, %d lost; "
      "the oldest lost call had been answered %.1f ms before the kill (crash window)"
      % (run, i, rate, len(before_kill), len(before_kill) - len(lost), len(lost), oldest))
PY
  { wait "$pid"; } 2>/dev/null || true   # reaps the killed group leader without the shell's "Killed" notice
done
