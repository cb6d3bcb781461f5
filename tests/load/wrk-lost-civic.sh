#!/usr/bin/env bash
# Load test of LoST findService with a civic location and validateLocation="true" against the same server's liveness
# endpoint, in one run, on loopback only. Starts the service (Release) on its embedded default in a temporary
# directory, loads the Maple Falls GIS fixture through PUT /admin/gis, and checks one answer before measuring.
# Usage: bash tests/load/wrk-lost-civic.sh [seconds=10] [connections=64]
# Environment: SKIP_BUILD=1 (use the existing Release builds of the service and the benchmarks)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
duration=${1:-10}
connections=${2:-64}
command -v wrk >/dev/null || { echo "wrk is required: apt-get install -y wrk" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# shellcheck source=tests/load/lib.sh
. "$repo/tests/load/lib.sh"
work=$(mktemp -d)
cleanup() { stop_all_groups; rm -rf "$work"; }
trap cleanup EXIT
if [ -z "${SKIP_BUILD:-}" ]; then
  dotnet build "$repo/src/LocationServer" -c Release -v q -nologo >/dev/null
  dotnet build "$repo/tests/LocationServer.Benchmarks" -c Release -v q -nologo >/dev/null
fi
dotnet "$repo/tests/LocationServer.Benchmarks/bin/Release/net10.0/LocationServer.Benchmarks.dll" gis-town "$work/maple-falls.gpkg" >/dev/null
port=$(free_port)
grpc=$(free_port)
bin="$repo/src/LocationServer/bin/Release/net10.0"
start_group "$work/server.log" env -C "$bin" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
  Kestrel__Endpoints__Http__Url="http://127.0.0.1:$port" Kestrel__Endpoints__Grpc__Url="http://127.0.0.1:$grpc" \
  Storage__DataDirectory="$work/data" Storage__SqlitePath="$work/data/ls.db" \
  dotnet "$bin/LocationServer.dll"
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/health/ready" >/dev/null && break; sleep 0.2; done
curl -sf "$base/health/ready" >/dev/null || { echo "server not ready"; cat "$work/server.log"; exit 1; }
curl -sf -X PUT --data-binary "@$work/maple-falls.gpkg" -H 'Content-Type: application/geopackage+sqlite3' \
  "$base/admin/gis?name=maple-falls.gpkg" >/dev/null
export LOST_BODY_FILE="$repo/tests/load/lost-civic.xml"
answer=$(curl -sf -X POST -H 'Content-Type: application/lost+xml' --data-binary "@$LOST_BODY_FILE" "$base/lost")
case "$answer" in *adams-county-911*locationValidation*) ;; *) echo "unexpected LoST answer: $answer" >&2; exit 1 ;; esac
wrk -t2 -c"$connections" -d3s -s "$repo/tests/load/liveness.lua" "$base/health/live" >/dev/null
wrk -t2 -c"$connections" -d3s -s "$repo/tests/load/lost-civic.lua" "$base/lost" >/dev/null
live=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$repo/tests/load/liveness.lua" "$base/health/live" | grep '^RESULT')
lost=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$repo/tests/load/lost-civic.lua" "$base/lost" | grep '^RESULT')
echo "liveness     $live"
echo "lost civic   $lost"
python3 - "$live" "$lost" <<'PY'
import sys, re
def rps(s): return float(re.search(r"requests/s=(\d+)", s).group(1))
print(f"ratio lost-civic/liveness = {rps(sys.argv[2]) / rps(sys.argv[1]):.2f} (target >= 0.30)")
PY
