#!/usr/bin/env bash
# HELD floods against the service (Release) on loopback, started on its embedded default in a temporary directory.
#   alerts:  REQUESTS (default 100000) unknown-device requests while 20 911 calls are routed, alerts going to a desk
#            that answers in DESK_DELAY seconds (default 2); prints 911 alerts delivered and how soon.
#            LIMITS=off also turns the per-source unknown-network limit off (every request reaches the alert path).
#   devices: REQUESTS (default 1000000) requests from distinct devices; prints the server's RSS before and after and
#            the unknown-network records written per minute.
# Usage: bash tests/load/held-flood.sh alerts|devices [REQUESTS]
# Environment: SKIP_BUILD=1, DESK_DELAY, LIMITS=off, MAX_DEVICE_REPORTS (Storage:MaxDeviceReports)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:?alerts or devices}
case "$mode" in alerts) requests=${2:-100000} ;; devices) requests=${2:-1000000} ;; *) echo "alerts or devices" >&2; exit 2 ;; esac
/usr/bin/python3 -c 'import grpc' 2>/dev/null || { echo "python3-grpcio is missing: apt-get install -y python3-grpcio" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
bin="$repo/src/LocationServer/bin/Release/net10.0"
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
[ -n "${SKIP_BUILD:-}" ] || dotnet build "$repo/src/LocationServer" -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
http=$(free_port)
grpc=$(free_port)
limits=()
if [ "${LIMITS:-on}" = off ]; then limits=(Held__Limits__UnknownNetworkRequestsPerMinute=0 Held__Limits__UserAddressesPerMinute=0); fi
(cd "$bin" && exec env ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
  Kestrel__Endpoints__Http__Url="http://127.0.0.1:$http" Routing__GrpcPort="$grpc" \
  Storage__DataDirectory="$work/data" Storage__SqlitePath="$work/data/ls.db" \
  Routing__Alerts__AllowPrivateTargets=true ${MAX_DEVICE_REPORTS:+Storage__MaxDeviceReports=$MAX_DEVICE_REPORTS} "${limits[@]}" \
  dotnet LocationServer.dll) >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$http/health/ready" >/dev/null && break; sleep 0.25; done
curl -sf "http://127.0.0.1:$http/health/ready" >/dev/null || { echo "server not ready" >&2; cat "$work/server.log" >&2; exit 1; }
echo "limits: ${LIMITS:-on}"
status=0
start=$(date +%s.%N)
if [ "$mode" = alerts ]; then
  /usr/bin/python3 "$repo/tests/load/held_flood.py" alerts "http://127.0.0.1:$http" "127.0.0.1:$grpc" "$requests" 20 "${DESK_DELAY:-2}" || status=$?
else
  /usr/bin/python3 "$repo/tests/load/held_flood.py" devices "http://127.0.0.1:$http" "$requests" "$pid" || status=$?
fi
minutes=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", (e - s) / 60 }')
sleep 11 # one flush of the unknown-network counts
rows=$(sqlite3 "$work/data/ls.db" 'select count(*) || " records holding " || coalesce(sum(request_count), 0) || " requests" from unknown_network_events' 2>/dev/null || echo "sqlite3 missing")
echo "unknown-network records: $rows, written over $minutes min"
grep -E '"(Warning|Error)"|warn|fail' "$work/server.log" | sort | uniq -c | sort -rn | head -5 || true
exit $status
