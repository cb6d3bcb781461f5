#!/usr/bin/python3
"""Bounded HELD flood against a LocationServer on loopback, with optional 911 calls and a slow webhook desk.

Modes:
  alerts BASE_URL GRPC_TARGET REQUESTS CALLS DESK_DELAY_S
      Starts a webhook receiver on 127.0.0.1 that answers after DESK_DELAY_S, registers it for all alert kinds,
      sends REQUESTS HELD requests from made-up devices on made-up networks (8 connections) and, during the flood,
      CALLS RouteCall requests (911) one every 0.5 s. Prints the alert figures.
  devices BASE_URL REQUESTS PID
      Sends REQUESTS HELD requests from distinct made-up devices (8 connections) and prints the server's RSS
      (VmRSS of PID) before and after, and the requests per second.
Only loopback targets are accepted. Every loop is bounded by REQUESTS and by a 20-minute deadline.
"""
import asyncio
import json
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEADLINE_S = 1200
CONNECTIONS = 8


def loopback_only(url):
    host = urllib.parse.urlsplit(url if "//" in url else "http://" + url).hostname
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise SystemExit("only loopback targets: " + url)


def mac(prefix, n):
    return prefix + "-%02x-%02x-%02x" % ((n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF)


def held_body(n, vary_network):
    gateway = mac("f0-9f-c2", n) if vary_network else "f0-9f-c2-ff-ff-ff"
    return ('<locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">'
            '<device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>%s</mac></device>'
            '<gatewayMac xmlns="urn:locationserver:held:ext">%s</gatewayMac></locationRequest>' % (mac("3c-22-fb", n), gateway)).encode()


async def flood(base_url, requests, vary_network, outcomes):
    parts = urllib.parse.urlsplit(base_url)
    counter = iter(range(requests))
    deadline = time.monotonic() + DEADLINE_S

    async def worker():
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            for n in counter:
                if time.monotonic() > deadline:
                    return
                body = held_body(n, vary_network)
                writer.write(b"POST /held HTTP/1.1\r\nHost: %s\r\nContent-Type: application/held+xml;charset=utf-8\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (parts.netloc.encode(), len(body), body))
                await writer.drain()
                status = await reader.readline()
                length = 0
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                payload = await reader.readexactly(length)
                code = status.split(b" ")[1].decode()
                if code == "200":
                    start = payload.find(b'code="')
                    code = payload[start + 6:payload.find(b'"', start + 6)].decode() if start >= 0 else "located"
                outcomes[code] = outcomes.get(code, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))


def forget_loopback(base_url):
    """Removes the demo wiremap's loopback subnets, so that the flood's requests come from an unknown network."""
    url = base_url + "/admin/tenants/demo/wiremap"
    wiremap = json.loads(urllib.request.urlopen(url, timeout=10).read())

    def strip(node):
        if isinstance(node, list):
            return [strip(x) for x in node if not (isinstance(x, dict) and {"127.0.0.0/8", "::1/128"} & {str(v) for v in x.values()})]
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items()}
        return node

    request = urllib.request.Request(url, json.dumps(strip(wiremap)).encode(), {"Content-Type": "application/json"}, method="PUT")
    urllib.request.urlopen(request, timeout=60).read()
    time.sleep(2)  # the index reloads after the import


def rss_kib(pid):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


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
    return varint((number << 3) | 2) + varint(len(data)) + data


def run_alerts(base_url, grpc_target, requests, calls, delay):
    import grpc  # python3-grpcio
    arrivals = []  # (monotonic, event, calling number, attempt key)
    lock = threading.Lock()

    class Desk(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            at = time.monotonic()
            alert = json.loads(body)
            with lock:
                arrivals.append((at, alert.get("event"), alert.get("callingNumber"), alert.get("id")))
            time.sleep(delay)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    ThreadingHTTPServer.daemon_threads = True
    desk = ThreadingHTTPServer(("127.0.0.1", 0), Desk)
    threading.Thread(target=desk.serve_forever, daemon=True).start()
    hook = "http://127.0.0.1:%d/desk" % desk.server_address[1]
    request = urllib.request.Request(base_url + "/admin/tenants/demo/alert-targets", json.dumps({"url": hook, "kinds": []}).encode(),
                                     {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()
    forget_loopback(base_url)

    sent = {}
    answered = []
    flood_done = threading.Event()

    def caller():
        channel = grpc.insecure_channel(grpc_target)
        route = channel.unary_unary("/locationserver.routing.v1.RoutingService/RouteCall", request_serializer=None, response_deserializer=None)
        time.sleep(1.0)
        for i in range(calls):
            number = "+1512555%04d" % i
            message = field(1, "demo") + field(2, "911") + field(3, number) + field(5, "00-04-f2-15-c2-85") + field(8, "flood-%d" % i)
            sent[number] = (time.monotonic(), not flood_done.is_set())
            try:
                route(message, timeout=5)
                answered.append(time.monotonic() - sent[number][0])
            except grpc.RpcError as error:
                print("RouteCall %d failed: %s" % (i, error.code()))
            time.sleep(0.5)
        channel.close()

    calling = threading.Thread(target=caller)
    outcomes = {}
    started = time.monotonic()
    calling.start()
    asyncio.run(flood(base_url, requests, True, outcomes))
    flood_done.set()
    flood_s = time.monotonic() - started
    calling.join()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with lock:
            got = {a[2] for a in arrivals if a[1] in ("emergency-call", "relay-center-call") and a[2] in sent}
        if len(got) >= len(sent):
            break
        time.sleep(0.2)
    with lock:
        snapshot = list(arrivals)
    first = {}
    for at, event, number, _ in snapshot:
        if event in ("emergency-call", "relay-center-call") and number in sent and number not in first:
            first[number] = at - sent[number][0]
    delays = sorted(first.values())
    during = sum(1 for n in first if sent[n][1])
    print("flood: %d HELD requests in %.1f s (%.0f/s), answers %s" % (sum(outcomes.values()), flood_s, sum(outcomes.values()) / flood_s, json.dumps(outcomes, sort_keys=True)))
    print("calls: %d sent (%d while the flood ran), 911 alerts delivered %d of %d" % (len(sent), sum(1 for v in sent.values() if v[1]), len(first), len(sent)))
    if delays:
        print("first attempt after the call: min %.3f s, median %.3f s, max %.3f s; within 1 s: %d of %d" % (
            delays[0], delays[len(delays) // 2], delays[-1], sum(1 for d in delays if d <= 1.0), len(sent)))
    if answered:
        answered.sort()
        print("RouteCall answered after: median %.3f s, max %.3f s" % (answered[len(answered) // 2], answered[-1]))
    print("unknown-network alerts at the desk: %d" % sum(1 for a in snapshot if a[1] == "unknown-network"))
    print("(delivered during the flood, before its last call alert: %d)" % sum(1 for a in snapshot if a[1] == "unknown-network" and delays and a[0] <= max(sent[n][0] + first[n] for n in first)))
    desk.shutdown()
    return 0 if len(first) == len(sent) else 1


def run_devices(base_url, requests, pid):
    forget_loopback(base_url)
    before = rss_kib(pid)
    outcomes = {}
    started = time.monotonic()
    asyncio.run(flood(base_url, requests, False, outcomes))
    elapsed = time.monotonic() - started
    time.sleep(3)  # let the report queue drain
    after = rss_kib(pid)
    print("devices: %d HELD requests from distinct devices in %.1f s (%.0f/s), answers %s" % (sum(outcomes.values()), elapsed, sum(outcomes.values()) / elapsed, json.dumps(outcomes, sort_keys=True)))
    print("RSS: before %.1f MiB, after %.1f MiB (+%.1f MiB)" % (before / 1024, after / 1024, (after - before) / 1024))
    return 0


def main(argv):
    if len(argv) >= 7 and argv[1] == "alerts":
        loopback_only(argv[2])
        loopback_only(argv[3])
        return run_alerts(argv[2], argv[3], int(argv[4]), int(argv[5]), float(argv[6]))
    if len(argv) >= 5 and argv[1] == "devices":
        loopback_only(argv[2])
        return run_devices(argv[2], int(argv[3]), argv[4])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
