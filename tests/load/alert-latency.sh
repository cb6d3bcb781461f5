#!/usr/bin/env bash
# Security-desk alert latency: how long after a 911 call is routed the desk has it by e-mail and on the live feed.
# Starts a local SMTP server (python3-aiosmtpd, recording when each message arrives) and the built service (Release)
# on free loopback ports, each in its own process group (tests/load/lib.sh), adds a mailto: alert target for the demo
# tenant, opens the live feed (Server-Sent Events), then places CALLS paced 911 calls through the gRPC routing service
# (python3-grpcio, as tests/clients/grpc_client.py) and prints call -> e-mail received and call -> feed event latency
# at p50 and p99, matched per call by its call record id. Bounded: CALLS calls at RATE per second, then at most
# DRAIN seconds for the last alerts. Everything it started is stopped on exit.
#
# Usage: bash tests/load/alert-latency.sh [CALLS=1000] [RATE=20]
# Environment: SKIP_BUILD=1 (use the existing Release build), DRAIN (60), BIN_DIR (another build of the service).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
calls=${1:-1000}
rate=${2:-20}
drain=${DRAIN:-60}
/usr/bin/python3 -c 'import grpc' 2>/dev/null || { echo "python3-grpcio is missing: apt-get install -y python3-grpcio" >&2; exit 2; }
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || { echo "python3-aiosmtpd is missing: apt-get install -y python3-aiosmtpd" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
bin="${BIN_DIR:-$repo/src/LocationServer/bin/Release/net10.0}"
# shellcheck source=tests/load/lib.sh
. "$repo/tests/load/lib.sh"

work=$(mktemp -d)
cleanup() {
  stop_all_groups
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${SKIP_BUILD:-}" ]; then
  dotnet build "$repo/src/LocationServer" -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
fi

# The SMTP server: accepts every message and writes "<call record id> <arrival time>" per message.
cat >"$work/smtp_sink.py" <<'EOF'
import asyncio, re, sys, time
from aiosmtpd.controller import Controller

out = open(sys.argv[2], "a", buffering=1)
record = re.compile(rb"Call record: ([0-9a-f]{32})")

class Sink:
    async def handle_DATA(self, server, session, envelope):
        at = time.time()
        found = record.search(envelope.content)
        out.write(f"{found.group(1).decode() if found else '-'} {at:.6f}\n")
        return "250 OK"

controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
try:
    asyncio.get_event_loop().run_forever()
finally:
    controller.stop()
EOF

smtp_port=$(free_port)
start_group "$work/smtp.log" /usr/bin/python3 "$work/smtp_sink.py" "$smtp_port" "$work/mail.txt"
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $smtp_port), 1)" 2>/dev/null && break
  sleep 0.1
done

http_port=$(free_port)
grpc_port=$(free_port)
mkdir -p "$work/data"
start_group "$work/service.log" env -C "$bin" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
  Kestrel__Endpoints__Http__Url="http://127.0.0.1:$http_port" Routing__GrpcAddress=127.0.0.1 Routing__GrpcPort="$grpc_port" \
  Storage__DataDirectory="$work/data" Storage__SqlitePath="$work/data/ls.db" \
  Routing__Alerts__Smtp__Host=127.0.0.1 Routing__Alerts__Smtp__Port="$smtp_port" Routing__Alerts__Smtp__Security=None \
  Routing__Alerts__Smtp__From="E911 alerts <e911@example.com>" \
  dotnet LocationServer.dll
for _ in $(seq 240); do
  curl -sf -m 2 "http://127.0.0.1:$http_port/health/ready" >/dev/null && break
  sleep 0.25
done
if ! curl -sf -m 2 "http://127.0.0.1:$http_port/health/ready" >/dev/null; then
  echo "the service did not become ready" >&2
  cat "$work/service.log" >&2
  exit 1
fi
# Loopback is the embedded default's administrator.
curl -sf -X POST "http://127.0.0.1:$http_port/admin/tenants/demo/alert-targets" -H 'Content-Type: application/json' \
  -d '{"url":"mailto:security-desk@example.com","kinds":["emergency-call"]}' >/dev/null

cat >"$work/drive.py" <<'EOF'
import json, sys, threading, time, urllib.request
import grpc

http, target, calls, rate, drain, mail_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]

def field(tag, value):
    data = value.encode()
    return bytes([tag << 3 | 2, len(data)]) + data

def strings(message):
    """The length-delimited fields of a protobuf message, by field number (enough for call_record_id = 8)."""
    fields, i = {}, 0
    while i < len(message):
        key, shift = 0, 0
        while True:
            b = message[i]; i += 1
            key |= (b & 0x7F) << shift; shift += 7
            if b < 0x80: break
        number, wire = key >> 3, key & 7
        if wire == 0:
            while message[i] >= 0x80: i += 1
            i += 1
        elif wire == 2:
            length, shift = 0, 0
            while True:
                b = message[i]; i += 1
                length |= (b & 0x7F) << shift; shift += 7
                if b < 0x80: break
            fields[number] = message[i:i + length]; i += length
        elif wire == 1: i += 8
        elif wire == 5: i += 4
        else: raise ValueError("wire type %d" % wire)
    return fields

feed_at, ready = {}, threading.Event()
def listen():
    with urllib.request.urlopen(http + "/admin/tenants/demo/alerts/live", timeout=drain + 60) as stream:
        event = None
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "): event = line[7:]
            elif line.startswith("data: "):
                if event == "ready": ready.set()
                elif event == "emergency-call":
                    feed_at[json.loads(line[6:])["callRecordId"]] = time.time()
threading.Thread(target=listen, daemon=True).start()
if not ready.wait(30): sys.exit("the live feed never said ready")

request = field(1, "demo") + field(2, "911") + field(3, "+15125550100")
metadata = [("authorization", "Bearer demo-callserver-key")]
placed, failed = {}, 0
with grpc.insecure_channel(target) as channel:
    route = channel.unary_unary("/locationserver.routing.v1.RoutingService/RouteCall")
    start = time.time()
    for n in range(calls):
        due = start + n / rate
        delay = due - time.time()
        if delay > 0: time.sleep(delay)
        sent = time.time()
        try:
            response = route(request, timeout=5, metadata=metadata)
            placed[strings(response)[8].decode()] = sent
        except grpc.RpcError:
            failed += 1
    took = time.time() - start

def mail():
    arrived = {}
    try:
        with open(mail_file) as lines:
            for line in lines:
                record, at = line.split()
                arrived[record] = float(at)
    except FileNotFoundError:
        pass
    return arrived

deadline = time.time() + drain
while time.time() < deadline and (len(mail().keys() & placed.keys()) < len(placed) or len(feed_at.keys() & placed.keys()) < len(placed)):
    time.sleep(0.2)
mailed = mail()

def report(name, arrived):
    latencies = sorted((arrived[r] - placed[r]) * 1000 for r in placed if r in arrived)
    if not latencies:
        print(f"{name:<28} none of {len(placed)} arrived"); return
    pick = lambda q: latencies[min(len(latencies) - 1, max(0, int(round(q * len(latencies))) - 1))]
    print(f"{name:<28} p50 {pick(0.50):8.1f} ms   p99 {pick(0.99):8.1f} ms   max {latencies[-1]:8.1f} ms   received {len(latencies)}/{len(placed)}")

print(f"{calls} calls at {rate:g}/s placed in {took:.1f} s; {failed} RouteCall failures")
report("call -> e-mail received", mailed)
report("call -> live feed event", feed_at)
EOF
/usr/bin/python3 "$work/drive.py" "http://127.0.0.1:$http_port" "127.0.0.1:$grpc_port" "$calls" "$rate" "$drain" "$work/mail.txt"
