#!/usr/bin/env bash
# Load of the routing gRPC listener with h2load (Debian nghttp2-client): Ping (the cheapest method, the same-run
# ceiling) and RouteCall with the same connection/stream settings, then the ratio RouteCall/Ping.
#
# Usage: tests/load/h2load-routing.sh [HOST:PORT] [SECONDS]
#   HOST:PORT  a running server's gRPC listener, loopback only (default 127.0.0.1:8081)
#   SECONDS    measured duration per method (default 10), after a 2 s warm-up
# Environment: API_KEY (demo-callserver-key: the demo call server's key, sent as "authorization: Bearer API_KEY";
#              RouteCall is refused without it), TENANT (demo), DIALED (911), CALLING (+15125550100),
#              STATION_MAC (empty), LOCATION_REFERENCE (empty),
#              CONNECTIONS (4), STREAMS (16), THREADS (1), RATE (1000: RouteCall requests/s of the paced run; 0 skips it),
#              SERVER_PID (the server's process id: adds its CPU time per request, user + system from /proc/PID/stat
#              over the measured part of each run, a figure other work on the machine does not inflate as much as
#              it does requests per second)
# Starts no server; its temporary files are removed on exit.
#
# Four runs: Ping at saturation, Ping paced at RATE requests/s (the latency floor of this listener on this machine:
# the transport, the load generator and the scheduler, with no work behind the call), RouteCall at saturation (as
# fast as the connections and streams allow; the throughput ratio compares it with Ping's), then RouteCall paced at
# RATE requests/s across the same connections, the latency a call sees when the service is busy but not overrun.
set -euo pipefail

target="${1:-127.0.0.1:8081}"
duration="${2:-10}"
connections="${CONNECTIONS:-4}"
streams="${STREAMS:-16}"
threads="${THREADS:-1}"
rate="${RATE:-1000}"
api_key="${API_KEY:-demo-callserver-key}"
host="${target%:*}"
case "$host" in
  127.*|localhost|'[::1]') ;;
  *) echo "refusing to load $target: loopback targets only" >&2; exit 2 ;;
esac
command -v h2load >/dev/null || { echo "h2load is missing: apt-get install -y nghttp2-client" >&2; exit 2; }

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Framed request bodies (5-byte gRPC prefix + protobuf), written without code generation.
python3 - "$work" <<'PY'
import os, struct, sys

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)

def field(number, text):
    data = text.encode()
    return varint((number << 3) | 2) + varint(len(data)) + data if data else b""

def frame(message):
    return b"\x00" + struct.pack(">I", len(message)) + message

env = os.environ
route = (field(1, env.get("TENANT", "demo")) + field(2, env.get("DIALED", "911")) +
         field(3, env.get("CALLING", "+15125550100")) + field(4, env.get("LOCATION_REFERENCE", "")) +
         field(5, env.get("STATION_MAC", "")) + field(8, "load-test"))
with open(os.path.join(sys.argv[1], "ping.bin"), "wb") as f:
    f.write(frame(b""))
with open(os.path.join(sys.argv[1], "routecall.bin"), "wb") as f:
    f.write(frame(route))
with open(os.path.join(sys.argv[1], "routecall.hex"), "w") as f:
    f.write(route.hex())
PY

service="locationserver.routing.v1.RoutingService"

# h2load sees only HTTP status 200; check the gRPC status of one call of each method first.
preflight() {
  local method="$1" hex="$2" result
  if ! result="$(/usr/bin/python3 "$here/../clients/grpc_client.py" "$target" "/$service/$method" "$hex" 5 "$api_key")"; then
    echo "preflight of $method failed (is python3-grpcio installed? is the server on $target?)" >&2
    exit 1
  fi
  case "$result" in
    *'"code": 0'*) ;;
    *) echo "preflight of $method answered $result" >&2; exit 1 ;;
  esac
}
preflight Ping ""
preflight RouteCall "$(cat "$work/routecall.hex")"

server_pid="${SERVER_PID:-}"
ticks_per_second=$(getconf CLK_TCK)
# The server's CPU time so far (user + system, all threads), in clock ticks; empty without SERVER_PID.
cpu_ticks() {
  [ -n "$server_pid" ] || return 0
  # Fields after the parenthesised command name: utime and stime are the 12th and 13th.
  sed 's/^.*) //' "/proc/$server_pid/stat" | awk '{ print $12 + $13 }'
}

run() {
  local method="$1" body="$2" label="${3:-$1}" out
  local extra=("${@:4}")
  local file="${label//[^A-Za-z0-9]/_}"
  local log="$work/$file.log"
  h2load -c "$connections" -m "$streams" -t "$threads" -D "$duration" --warm-up-time=2 "${extra[@]}" \
    -d "$body" -H 'content-type: application/grpc' -H 'te: trailers' \
    -H "authorization: Bearer $api_key" --log-file="$log" "http://$target/$service/$method" >"$work/$file.h2load" &
  local h2pid=$! cpu_before="" cpu_after=""
  # The CPU count starts when the warm-up ends (as h2load's counts do) and ends half a second after the run, so
  # work the calls left behind (the background commit of their records) is counted with them.
  sleep 2.1
  cpu_before="$(cpu_ticks)"
  wait "$h2pid"
  sleep 0.5
  cpu_after="$(cpu_ticks)"
  out="$(cat "$work/$file.h2load")"
  local rps
  rps="$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' <<<"$out")"
  local failed
  failed="$(sed -n 's/^requests: .* \([0-9]*\) failed.*/\1/p' <<<"$out")"
  # The log holds one line per request: start time, HTTP status, elapsed microseconds.
  local pct
  pct="$(awk '{print $3}' "$log" | sort -n | awk '{a[NR]=$1} END {
      if (NR == 0) { print "n/a n/a n/a"; exit }
      printf "%.2f %.2f %.2f", a[int(NR*0.50)+(NR*0.50>int(NR*0.50))]/1000, a[int(NR*0.90)+(NR*0.90>int(NR*0.90))]/1000, a[int(NR*0.99)+(NR*0.99>int(NR*0.99))]/1000 }')"
  read -r p50 p90 p99 <<<"$pct"
  local done_requests cpu="n/a"
  done_requests="$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' <<<"$out")"
  if [ -n "$cpu_before" ] && [ -n "$cpu_after" ] && [ "${done_requests:-0}" -gt 0 ]; then
    cpu="$(awk -v t=$((cpu_after - cpu_before)) -v hz="$ticks_per_second" -v n="$done_requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')"
  fi
  printf '%-16s %12s req/s   p50 %8s ms   p90 %8s ms   p99 %8s ms   failed %s   cpu %s us/req\n' "$label" "$rps" "$p50" "$p90" "$p99" "${failed:-?}" "$cpu"
  echo "$rps" >"$work/$file.rps"
}

echo "target $target, ${connections} connections x ${streams} streams, ${duration}s per method"
run Ping "$work/ping.bin"
if [ "$rate" -gt 0 ]; then
  per_client=$(( (rate + connections - 1) / connections ))
  run Ping "$work/ping.bin" "Ping@$((per_client * connections))/s" --rps="$per_client"
fi
run RouteCall "$work/routecall.bin"
awk -v r="$(cat "$work/RouteCall.rps")" -v p="$(cat "$work/Ping.rps")" 'BEGIN { if (p > 0) printf "RouteCall/Ping throughput ratio: %.2f\n", r / p }'
if [ "$rate" -gt 0 ]; then
  per_client=$(( (rate + connections - 1) / connections ))
  run RouteCall "$work/routecall.bin" "RouteCall@$((per_client * connections))/s" --rps="$per_client"
fi
