#!/usr/bin/env bash
# POST /held straight to the service and through nginx (X-Forwarded-For) and haproxy (PROXY protocol v2), in one
# run, on loopback only. The proxies connect from 127.0.0.2 (the only trusted proxy); wrk connects from 127.0.0.1,
# which the demo wiremap locates, so every path answers the same located response.
# Usage: bash tests/load/held-behind-proxies.sh [seconds=10] [connections=32]
# Environment: SKIP_BUILD=1 (use the existing Release build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
duration=${1:-10}
connections=${2:-32}
command -v wrk >/dev/null || { echo "wrk is required: apt-get install -y wrk" >&2; exit 1; }
[ -x /usr/sbin/nginx ] && [ -x /usr/sbin/haproxy ] || { echo "nginx and haproxy are required: apt-get install -y nginx haproxy" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# shellcheck source=tests/load/lib.sh
. "$repo/tests/load/lib.sh"
work=$(mktemp -d)
chmod 755 "$work"
cleanup() { stop_all_groups; rm -rf "$work"; }
trap cleanup EXIT

port=$(free_port); balanced=$(free_port); grpc=$(free_port); nginx_port=$(free_port); haproxy_port=$(free_port)
[ -n "${SKIP_BUILD:-}" ] || dotnet build "$repo/src/LocationServer" -c Release -v q -nologo >/dev/null
bin="$repo/src/LocationServer/bin/Release/net10.0"
start_group "$work/server.log" env -C "$bin" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
  Kestrel__Endpoints__Http__Url="http://127.0.0.1:$port" Kestrel__Endpoints__Balanced__Url="http://127.0.0.1:$balanced" \
  Network__TrustedProxies__0=127.0.0.2 Network__ProxyProtocolEndpoints__0=Balanced Connections__MaxPerSource=0 \
  Routing__GrpcPort="$grpc" Storage__DataDirectory="$work/data" Storage__SqlitePath="$work/data/ls.db" \
  dotnet "$bin/LocationServer.dll"

mkdir -m 777 "$work/nginx-tmp"
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
daemon off;
error_log $work/nginx.log warn;
pid $work/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx-tmp;
  proxy_temp_path $work/nginx-tmp;
  upstream lis { server 127.0.0.1:$port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://lis;
      proxy_bind 127.0.0.2;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
EOF
start_group "$work/nginx.out" /usr/sbin/nginx -p "$work" -c "$work/nginx.conf"
cat >"$work/haproxy.cfg" <<EOF
global
  maxconn 4096
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend lis
  bind 127.0.0.1:$haproxy_port
  default_backend service
backend service
  source 127.0.0.2
  server lis1 127.0.0.1:$balanced send-proxy-v2
EOF
start_group "$work/haproxy.out" /usr/sbin/haproxy -db -f "$work/haproxy.cfg"

for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "server not ready"; cat "$work/server.log"; exit 1; }

body='<locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held"><locationType exact="true">civic</locationType></locationRequest>'
for url in "http://127.0.0.1:$port" "http://127.0.0.1:$nginx_port" "http://127.0.0.1:$haproxy_port"; do
  # Each path must locate the client by its own address (the demo's loopback site), not fail or answer an error.
  answer=$(curl -sf -H 'Content-Type: application/held+xml' --data "$body" "$url/held")
  grep -q 'locationResponse' <<<"$answer" || { echo "$url/held did not locate: $answer"; cat "$work/server.log"; exit 1; }
done

results=()
for path in "direct:$port" "nginx:$nginx_port" "haproxy:$haproxy_port"; do
  name=${path%%:*}; p=${path#*:}
  HELD_BODY="$body" wrk -t2 -c"$connections" -d3s -s "$repo/tests/load/held-post.lua" "http://127.0.0.1:$p/held" >/dev/null
  result=$(HELD_BODY="$body" wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$repo/tests/load/held-post.lua" "http://127.0.0.1:$p/held" | grep '^RESULT')
  printf '%-8s %s\n' "$name" "$result"
  results+=("$result")
done
python3 - "${results[@]}" <<'PY'
import sys, re
rps = [float(re.search(r"requests/s=(\d+)", s).group(1)) for s in sys.argv[1:]]
print(f"ratio nginx/direct = {rps[1] / rps[0]:.2f}, haproxy/direct = {rps[2] / rps[0]:.2f}")
PY
