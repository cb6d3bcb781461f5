#!/usr/bin/env bash
# RouteCall at scale: generates a wiremap of ELEMENTS network elements (one tenant, DIDs, ELINs on every tenth
# location) and POLYGONS PSAP boundaries covering its points, loads it into a throwaway embedded data directory,
# starts the service (Release) on free loopback ports and measures RouteCall against Ping of the same listener in
# the same run (tests/load/h2load-routing.sh) for four cases: (a) DID without ELINs, (b) station MAC, (c) location
# token from a HELD locationURI request, (d) DID with ELINs. Prints a summary table; removes everything on exit.
#
# Usage: bash tests/load/routing-scale.sh [SECONDS=10] [ELEMENTS=1000000] [POLYGONS=1000]
# Environment: SKIP_BUILD=1 (use the existing Release build), CACHE_DIR (keep the generated files and the loaded
#              database there and reuse them; each run still works on a copy), CONNECTIONS, STREAMS, THREADS (h2load),
#              BACKEND (sqlite, the default, or postgres: a throwaway PostgreSQL 15 and Redis on loopback ports),
#              BIN_DIR / BENCH_DLL (another build of the service / benchmarks, e.g. of an earlier commit).
# Every server runs in its own process group (tests/load/lib.sh) and is stopped on exit. After the measurements the
# service's debug log of the call-record writer gives the commit lag: how long after its answer a record was committed.
# Besides requests per second, the summary gives the server's CPU time per call (user + system from /proc, see
# tests/load/h2load-routing.sh) for RouteCall and Ping and their quotient ("CPU x"): on a machine shared with other
# work, that quotient moves far less between runs than the throughput ratio.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
duration=${1:-10}
elements=${2:-1000000}
polygons=${3:-1000}
command -v h2load >/dev/null || { echo "h2load is missing: apt-get install -y nghttp2-client" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
bin="${BIN_DIR:-$repo/src/LocationServer/bin/Release/net10.0}"
bench="${BENCH_DLL:-$repo/tests/LocationServer.Benchmarks/bin/Release/net10.0/LocationServer.Benchmarks.dll}"
backend="${BACKEND:-sqlite}"
case "$backend" in sqlite|postgres) ;; *) echo "BACKEND is sqlite or postgres" >&2; exit 2 ;; esac
# shellcheck source=tests/load/lib.sh
. "$repo/tests/load/lib.sh"

work=$(mktemp -d)
pg_bin=/usr/lib/postgresql/15/bin
pg_dir=""
redis_port=""
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
cleanup() {
  stop_all_groups
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/postmaster.pid" ]; then as_pg "$pg_bin/pg_ctl -D $pg_dir -m fast -w stop" >/dev/null 2>&1 || true; fi
  if [ -n "$redis_port" ]; then redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

if [ -z "${SKIP_BUILD:-}" ]; then
  t=$(now)
  dotnet build "$repo/tests/LocationServer.Benchmarks" -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
  echo "build: $(since "$t") s"
fi

# 1. Data (deterministic for the same sizes).
data="$work/gen"
if [ -n "${CACHE_DIR:-}" ]; then data="$CACHE_DIR/routing-$elements-$polygons"; fi
# Data cached before RouteCall needed the call server's key lacks API_KEY: generate it again.
if [ -f "$data/cases.env" ] && ! grep -q '^API_KEY=' "$data/cases.env"; then rm -f "$data/cases.env" "$data/locationserver.db"; fi
if [ ! -f "$data/cases.env" ]; then
  t=$(now)
  dotnet "$bench" routing-data "$data" "$elements" "$polygons"
  echo "generate: $(since "$t") s"
else
  echo "generate: reusing $data"
fi
# shellcheck disable=SC1091
. "$data/cases.env"

# 2. Load into the store with the import command; a 1M-element document (~118 MB) is above the default 64 MiB cap,
#    so the cap is raised for this run.
mkdir -p "$work/data"
db="$work/data/locationserver.db"
server_env=(ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning Demo__Seed=false
  Storage__SqlitePath="$db" Storage__DataDirectory="$work/data" Admin__MaxWiremapBytes=1073741824)
if [ "$backend" = postgres ]; then
  command -v redis-server >/dev/null || { echo "redis-server is missing: apt-get install -y redis-server" >&2; exit 2; }
  pg_port=$(free_port)
  redis_port=$(free_port)
  pg_dir="$work/pg"
  mkdir -p "$pg_dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$work" "$pg_dir"
  if [ -d "$data/pgdata" ]; then
    cp -a "$data/pgdata/." "$pg_dir/"
    pg_loaded=1
  else
    as_pg "$pg_bin/initdb --no-sync --auth=trust -U postgres -D $pg_dir" >/dev/null
    pg_loaded=""
  fi
  # Durable commits (fsync on), as in production: the call-record commits pay for them.
  as_pg "$pg_bin/pg_ctl -D $pg_dir -l $work/pg.log -w start -o '-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c max_connections=200'" >/dev/null
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
  server_env+=(ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=locationserver"
    ConnectionStrings__Redis="127.0.0.1:$redis_port" Tokens__Key="$(head -c 32 /dev/urandom | base64)"
    Held__PublicBaseUrl="http://127.0.0.1")
  if [ -n "$pg_loaded" ]; then
    echo "load: reusing the PostgreSQL cluster loaded earlier in $data"
  else
    t=$(now)
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -qc 'CREATE DATABASE locationserver' >/dev/null
    if (cd "$bin" && env "${server_env[@]}" dotnet LocationServer.dll migrate && env "${server_env[@]}" dotnet LocationServer.dll import "$data/wiremap.json") >"$work/import.log" 2>&1; then
      echo "load: PostgreSQL, import command, $(( $(stat -c %s "$data/wiremap.json") / 1048576 )) MiB, $(since "$t") s"
    else
      cat "$work/import.log" >&2
      exit 1
    fi
    if [ -n "${CACHE_DIR:-}" ]; then
      as_pg "$pg_bin/pg_ctl -D $pg_dir -m fast -w stop" >/dev/null
      mkdir -p "$data/pgdata" && cp -a "$pg_dir/." "$data/pgdata/" && rm -f "$data/pgdata/postmaster.pid"
      as_pg "$pg_bin/pg_ctl -D $pg_dir -l $work/pg.log -w start -o '-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c max_connections=200'" >/dev/null
    fi
  fi
elif [ -f "$data/locationserver.db" ]; then
  cp "$data/locationserver.db" "$db"
  echo "load: reusing the database loaded earlier in $data"
else
  t=$(now)
  if (cd "$bin" && env "${server_env[@]}" dotnet LocationServer.dll import "$data/wiremap.json") >"$work/import.log" 2>&1; then
    echo "load: import command, $(( $(stat -c %s "$data/wiremap.json") / 1048576 )) MiB, $(since "$t") s"
  else
    cat "$work/import.log" >&2
    exit 1
  fi
  if [ -n "${CACHE_DIR:-}" ]; then cp "$db" "$data/locationserver.db"; fi
fi

# 3. The service, on free loopback ports, with the generated boundaries.
http=$(free_port)
grpc=$(free_port)
t=$(now)
start_group "$work/server.log" env -C "$bin" "${server_env[@]}" Kestrel__Endpoints__Http__Url="http://127.0.0.1:$http" Routing__GrpcPort="$grpc" \
  Routing__PsapBoundaryFile="$data/psap-boundaries.geojson" \
  dotnet LocationServer.dll --Logging:LogLevel:LocationServer.Routing.PsapBoundaryFileLoader=Information \
  --Logging:LogLevel:LocationServer.Routing.CallRecordWriter=Debug
pid=$group_pid
ready=""
for _ in $(seq 1200); do
  kill -0 "$pid" 2>/dev/null || break
  if ready=$(curl -sf -m 2 "http://127.0.0.1:$http/health/ready"); then break; fi
  sleep 0.25
done
case "$ready" in
  *'"status":"ready"'*) ;;
  *) echo "the service did not become ready" >&2; cat "$work/server.log" >&2; exit 1 ;;
esac
loaded_elements=$(sed -n 's/.*"elements":\([0-9]*\).*/\1/p' <<<"$ready")
loaded_polygons=$(sed -n 's/.*Loaded \([0-9]*\) PSAP boundaries.*/\1/p' "$work/server.log")
echo "startup: ready in $(since "$t") s, $loaded_elements elements (generated $ELEMENTS), ${loaded_polygons:-?} PSAP polygons (generated $POLYGONS), $LOCATIONS locations, $DIDS DIDs"

# (c) needs a real token: the device (a pinned MAC) asks HELD for its location URI.
held=$(curl -sf -X POST "http://127.0.0.1:$http/held/$TENANT" -H 'Content-Type: application/held+xml;charset=utf-8' \
  --data "<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"><locationType exact=\"true\">locationURI</locationType><device xmlns=\"urn:ietf:params:xml:ns:geopriv:held:id\"><mac>$TOKEN_MAC</mac></device></locationRequest>")
token_uri=$(sed -n 's/.*<locationURI>\([^<]*\)<\/locationURI>.*/\1/p' <<<"$held")
[ -n "$token_uri" ] || { echo "HELD gave no location URI: $held" >&2; exit 1; }

# Checks that one call of a case routes where it must (h2load sees only HTTP status): the expected PSAP boundary,
# location source and ELIN flag, decoded from the RouteCallResponse without code generation.
check() {
  local label="$1" source="$2" psap="$3" elin="$4" hex out
  hex=$(python3 - <<'PY'
import os
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F; n >>= 7; out.append(b | (0x80 if n else 0))
        if not n: return bytes(out)
def field(number, text):
    data = text.encode()
    return varint((number << 3) | 2) + varint(len(data)) + data if data else b""
e = os.environ
print((field(1, e["TENANT"]) + field(2, "911") + field(3, e.get("CALLING", "")) + field(4, e.get("LOCATION_REFERENCE", "")) +
       field(5, e.get("STATION_MAC", "")) + field(8, "routing-scale-check")).hex())
PY
)
  out=$(/usr/bin/python3 "$repo/tests/clients/grpc_client.py" "127.0.0.1:$grpc" /locationserver.routing.v1.RoutingService/RouteCall "$hex" 5 "$API_KEY")
  python3 - "$out" "$label" "$source" "$psap" "$elin" <<'PY'
import json, sys
result, label, source, psap, elin = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] == "1"
def fields(data):
    i, out = 0, {}
    while i < len(data):
        key, i = read_varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(data, i)
        elif wire == 2:
            length, i = read_varint(data, i); value = data[i:i + length]; i += length
        else:
            raise ValueError("unexpected wire type %d" % wire)
        out[number] = value
    return out
def read_varint(data, i):
    shift = value = 0
    while True:
        b = data[i]; i += 1; value |= (b & 0x7F) << shift; shift += 7
        if not b & 0x80: return value, i
if result["code"] != 0:
    sys.exit("%s: RouteCall answered %s" % (label, result))
response = fields(bytes.fromhex(result["response_hex"]))
route = fields(response.get(1, b""))
got = (response.get(2, 0), route.get(4, b"").decode(), bool(response.get(5, 0)))
if got != (source, psap, elin):
    sys.exit("%s: expected source %d, boundary %s, ELIN %s; got %s" % (label, source, psap, elin, got))
PY
}

# 4. Ping against RouteCall, same listener, same run, per case.
cases=(
  "a|(a) DID, no ELINs|3|$DID_PLAIN_PSAP|0|CALLING=$DID_PLAIN"
  "b|(b) station MAC|4|$STATION_MAC_PSAP|0|CALLING=$OTHER_CALLER STATION_MAC=$STATION_MAC"
  "c|(c) location token|1|$TOKEN_MAC_PSAP|0|CALLING=$OTHER_CALLER LOCATION_REFERENCE=$token_uri"
  "d|(d) DID with ELINs|3|$DID_ELIN_PSAP|1|CALLING=$DID_ELIN"
)
# One unmeasured round first, so the first case's figures are not those of code still being compiled (tiered JIT).
IFS='|' read -r _ _ _ _ _ vars <<<"${cases[0]}"
# shellcheck disable=SC2086
env TENANT="$TENANT" API_KEY="$API_KEY" RATE=0 $vars bash "$repo/tests/load/h2load-routing.sh" "127.0.0.1:$grpc" 5 >/dev/null
for spec in "${cases[@]}"; do
  IFS='|' read -r key label source psap elin vars <<<"$spec"
  # shellcheck disable=SC2086
  (export TENANT $vars; check "$label" "$source" "$psap" "$elin")
  echo "== $label"
  # shellcheck disable=SC2086
  env TENANT="$TENANT" API_KEY="$API_KEY" SERVER_PID="$pid" $vars bash "$repo/tests/load/h2load-routing.sh" "127.0.0.1:$grpc" "$duration" | tee "$work/$key.out"
done
# Commit lag: from a record's queueing (just before the answer) to the end of the commit that made it durable.
lag=$(sed -n 's/.*Committed \([0-9]*\) call records; the oldest was queued \([0-9.]*\) ms earlier.*/\1 \2/p' "$work/server.log" |
  sort -k2 -n | awk '{ n++; c += $1; a[n] = $2 } END {
    if (!n) { print "n/a (no debug log of the writer)"; exit }
    h = int(n * 0.5) + 1; q = int(n * 0.99) + 1; if (q > n) q = n
    printf "%d commits, %d records, lag p50 %.1f ms, p99 %.1f ms, max %.1f ms", n, c, a[h], a[q], a[n] }' || true)

# 5. Summary (the trap stops the service and removes the data).
echo
echo "RouteCall vs Ping, $backend, $ELEMENTS elements, $POLYGONS PSAP polygons, ${duration}s per method (targets: p99 < 5 ms, ratio >= 0.5)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); CPU us/call: the server's user + system time per request served"
printf '%-22s %12s %9s %9s %12s %9s %7s %9s %9s %7s  %-28s %s\n' case "req/s" "p50 ms" "p99 ms" "Ping req/s" "Ping p99" ratio "CPU us" "Ping us" "CPU x" "paced: p50 / p99 ms" "Ping paced: p50 / p99 ms"
for spec in "${cases[@]}"; do
  IFS='|' read -r key label _ <<<"$spec"
  awk -v label="$label" '
    $1 == "Ping" { prps = $2; pp99 = $11; pcpu = $(NF - 1) }
    $1 == "RouteCall" && $2 ~ /^[0-9]/ { rrps = $2; rp50 = $5; rp99 = $11; rcpu = $(NF - 1) }
    $1 ~ /^RouteCall@/ { paced = sprintf("%s: %s / %s", substr($1, 11), $5, $11) }
    $1 ~ /^Ping@/ { floor = sprintf("%s / %s", $5, $11) }
    END { printf "%-22s %12.0f %9s %9s %12.0f %9s %7.2f %9s %9s %7s  %-28s %s\n", label, rrps, rp50, rp99, prps, pp99, (prps > 0 ? rrps / prps : 0),
            rcpu, pcpu, (pcpu > 0 && rcpu > 0 ? sprintf("%.2f", rcpu / pcpu) : "n/a"), paced, floor }' "$work/$key.out"
done
echo "call records: $lag"
