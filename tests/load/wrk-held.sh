#!/usr/bin/env bash
# Load test of POST /held against the same server's liveness endpoint, in one run, on loopback only.
# Starts the service (Release) on its embedded default in a temporary directory, or uses BASE_URL if given.
# Usage: bash tests/load/wrk-held.sh [seconds=10] [connections=64]
# Environment: BASE_URL (use a running server instead), SKIP_BUILD=1 (use the existing Release build)
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
  for _ in $(seq 100); do curl -sf "$BASE_URL/health/ready" >/dev/null && break; sleep 0.2; done
fi
curl -sf "$BASE_URL/health/ready" >/dev/null || { echo "server not ready"; cat "$work/server.log" 2>/dev/null; exit 1; }
# Warm up both paths (JIT, tiered compilation).
wrk -t2 -c"$connections" -d3s -s "$repo/tests/load/liveness.lua" "$BASE_URL/health/live" >/dev/null
wrk -t2 -c"$connections" -d3s -s "$repo/tests/load/held-post.lua" "$BASE_URL/held" >/dev/null
live=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$repo/tests/load/liveness.lua" "$BASE_URL/health/live" | grep '^RESULT')
held=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$repo/tests/load/held-post.lua" "$BASE_URL/held" | grep '^RESULT')
echo "liveness  $live"
echo "held      $held"
python3 - "$live" "$held" <<'PY'
import sys, re
def rps(s): return float(re.search(r"requests/s=(\d+)", s).group(1))
print(f"ratio held/liveness = {rps(sys.argv[2]) / rps(sys.argv[1]):.2f} (target >= 0.6)")
PY
