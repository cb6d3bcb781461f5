#!/usr/bin/env bash
# gRPC server overhead, before and after: Ping (the cheapest method) of this tree's service against Ping of another
# commit's service (default: the last commit with the hand-written gRPC layer), in one run, with the same h2load settings, in alternating rounds so drift in the
# shared machine's load hits both alike. The other commit is exported with git archive and built once into a cache
# directory; both services run from their Release builds on free loopback ports, each in its own process group,
# which is stopped on exit.
#
# Usage: bash tests/load/grpc-compare.sh [SECONDS=10] [ROUNDS=3]
# Each service first gets an unmeasured warm-up run (WARMUP seconds) so JIT tiering does not count against the
# first round; the summary gives the mean throughput of each and the median of the per-round ratios.
# Environment: WARMUP (10), BEFORE_REF (the parent of the commit that deleted src/LocationServer/Grpc/GrpcUnaryEndpoints.cs), BEFORE_DIR (/tmp/locationserver-grpc-before-<commit>), SKIP_BUILD=1 (use this
#              tree's existing Release build), CONNECTIONS (4), STREAMS (16), THREADS (1)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
duration=${1:-10}
rounds=${2:-3}
connections=${CONNECTIONS:-4}
streams=${STREAMS:-16}
threads=${THREADS:-1}
warmup=${WARMUP:-10}
command -v h2load >/dev/null || { echo "h2load is missing: apt-get install -y nghttp2-client" >&2; exit 2; }
/usr/bin/python3 -c 'import grpc' 2>/dev/null || { echo "python3-grpcio is missing: apt-get install -y python3-grpcio" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1

before_ref=${BEFORE_REF:-$(git -C "$repo" rev-list -1 HEAD -- src/LocationServer/Grpc/GrpcUnaryEndpoints.cs)^}
commit=$(git -C "$repo" rev-parse --verify "$before_ref^{commit}")
before_dir=${BEFORE_DIR:-/tmp/locationserver-grpc-before-${commit:0:12}}
if [ ! -f "$before_dir/.built" ]; then
  echo "building $before_ref (${commit:0:12}) into $before_dir"
  rm -rf "$before_dir"
  mkdir -p "$before_dir"
  git -C "$repo" archive "$commit" | tar -x -C "$before_dir"
  dotnet build "$before_dir/src/LocationServer" -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
  touch "$before_dir/.built"
fi
if [ -z "${SKIP_BUILD:-}" ]; then
  dotnet build "$repo/src/LocationServer" -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
fi

work=$(mktemp -d)
groups=()
cleanup() {
  set +e
  for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  for g in "${groups[@]}"; do
    for _ in $(seq 50); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$g" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start LABEL BUILD_DIR: the service from BUILD_DIR's Release output, in a new process group (setsid); sets
# grpc_LABEL to its gRPC target.
start() {
  local label="$1" bin="$2/src/LocationServer/bin/Release/net10.0" http grpc pid
  http=$(free_port)
  grpc=$(free_port)
  mkdir -p "$work/$label"
  (cd "$bin" && exec setsid env ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
    Kestrel__Endpoints__Http__Url="http://127.0.0.1:$http" Routing__GrpcAddress=127.0.0.1 Routing__GrpcPort="$grpc" \
    Storage__DataDirectory="$work/$label" Storage__SqlitePath="$work/$label/ls.db" \
    dotnet LocationServer.dll) >"$work/$label.log" 2>&1 &
  pid=$!
  groups+=("$pid")
  for _ in $(seq 240); do
    kill -0 "$pid" 2>/dev/null || break
    curl -sf -m 2 "http://127.0.0.1:$http/health/ready" >/dev/null && break
    sleep 0.25
  done
  if ! curl -sf -m 2 "http://127.0.0.1:$http/health/ready" >/dev/null; then
    echo "$label did not become ready" >&2
    cat "$work/$label.log" >&2
    exit 1
  fi
  local result
  result=$(/usr/bin/python3 "$repo/tests/clients/grpc_client.py" "127.0.0.1:$grpc" /locationserver.routing.v1.RoutingService/Ping "" 5)
  case "$result" in
    *'"code": 0'*) ;;
    *) echo "$label: Ping answered $result" >&2; exit 1 ;;
  esac
  printf -v "grpc_$label" '%s' "127.0.0.1:$grpc"
}

start before "$before_dir"
start after "$repo"
printf '\x00\x00\x00\x00\x00' >"$work/ping.bin"

# ping LABEL ROUND: one h2load run of Ping; prints a result line and appends "rps p99" to $work/LABEL.results.
ping() {
  local label="$1" round="$2" target out rps failed p50 p99 var="grpc_$1"
  target=${!var}
  out=$(h2load -c "$connections" -m "$streams" -t "$threads" -D "$duration" --warm-up-time=2 \
    -d "$work/ping.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
    --log-file="$work/$label-$round.log" "http://$target/locationserver.routing.v1.RoutingService/Ping")
  rps=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' <<<"$out")
  failed=$(sed -n 's/^requests: .* \([0-9]*\) failed.*/\1/p' <<<"$out")
  read -r p50 p99 < <(awk '{print $3}' "$work/$label-$round.log" | sort -n | awk '{a[NR]=$1} END {
      if (NR == 0) { print "nan nan"; exit }
      printf "%.2f %.2f\n", a[int(NR*0.50)+(NR*0.50>int(NR*0.50))]/1000, a[int(NR*0.99)+(NR*0.99>int(NR*0.99))]/1000 }')
  printf 'round %s  %-7s %10s req/s   p50 %6s ms   p99 %6s ms   failed %s\n' "$round" "$label" "$rps" "$p50" "$p99" "${failed:-?}"
  echo "$rps $p99" >>"$work/$label.results"
}

for label in before after; do
  var="grpc_$label"
  h2load -c "$connections" -m "$streams" -t "$threads" -D "$warmup" -d "$work/ping.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' "http://${!var}/locationserver.routing.v1.RoutingService/Ping" >/dev/null
done
echo "Ping, ${connections} connections x ${streams} streams, ${duration}s per run, $rounds rounds (after ${warmup}s warm-up each)"
echo "before: $before_ref (${commit:0:12}), after: this tree ($(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src || echo '+changes'))"
for round in $(seq "$rounds"); do
  # Alternate which goes first, so neither always runs on a warmer or cooler machine.
  if [ $((round % 2)) -eq 1 ]; then ping before "$round"; ping after "$round"; else ping after "$round"; ping before "$round"; fi
done
median=$(paste -d' ' "$work/before.results" "$work/after.results" | awk '$1 > 0 { printf "%.4f\n", $3 / $1 }' | sort -n \
  | awk '{ r[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print r[(NR + 1) / 2]; else print (r[NR / 2] + r[NR / 2 + 1]) / 2 }')
paste -d' ' "$work/before.results" "$work/after.results" | awk -v median="$median" '
  { br += $1; ar += $3 }
  END {
    printf "mean: before %.0f req/s, after %.0f req/s; after/before throughput %.2f, median of round ratios %.2f (target >= 0.80)\n", br / NR, ar / NR, ar / br, median
  }'
