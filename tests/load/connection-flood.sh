#!/usr/bin/env bash
# Idle-connection flood against the service's connection limits (Connections:*), on loopback only, bounded in count
# and time. Starts the service (Release, embedded store, demo data) in its own process group with the open-file
# limit raised, then, in two rounds:
#   1. COUNT idle TCP connections from one source address (127.0.0.1): Connections:MaxPerSource of them are held,
#      the rest are closed by the service at once;
#   2. COUNT idle connections spread over SOURCES addresses (127.0.1.x), under the per-source limit each, so the
#      process-wide Connections:MaxConnections is what stops them.
# After each round: whether the process is alive, its open file descriptors and RSS, and how long until
# GET /health/live answers from another source (127.0.0.2). Prints one line per round; exits non-zero if the
# process died or /health/live never answered.
#
# Usage: bash tests/load/connection-flood.sh [COUNT=20000] [SOURCES=100]
# Environment: SKIP_BUILD=1 (use the existing Release build), and the service's settings, e.g.
#              Connections__MaxConnections, Connections__MaxPerSource, Connections__KeepAliveTimeoutSeconds
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
count=${1:-20000}
sources=${2:-100}
[ "$count" -le 50000 ] || { echo "COUNT is at most 50000" >&2; exit 2; }
[ "$sources" -ge 1 ] && [ "$sources" -le 250 ] || { echo "SOURCES is 1-250" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Both the service and the client hold up to COUNT sockets; the default soft limit (1024) would stop either first.
# The limit is per process: the client spreads its sockets over enough worker processes to stay under it.
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=1048576
nofile=$(( hard < 65536 ? hard : 65536 ))
ulimit -n "$nofile"
workers=$(( (count + nofile - 200) / (nofile - 100) ))
# shellcheck source=tests/load/lib.sh
. "$repo/tests/load/lib.sh"
work=$(mktemp -d)
cleanup() { stop_all_groups; rm -rf "$work"; }
trap cleanup EXIT

[ -n "${SKIP_BUILD:-}" ] || dotnet build "$repo/src/LocationServer" -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
bin="$repo/src/LocationServer/bin/Release/net10.0"
http=$(free_port)
grpc=$(free_port)
start_group "$work/server.log" env -C "$bin" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
  Kestrel__Endpoints__Http__Url="http://127.0.0.1:$http" Routing__GrpcPort="$grpc" \
  Storage__DataDirectory="$work/data" Storage__SqlitePath="$work/data/ls.db" \
  dotnet "$bin/LocationServer.dll"
pid=$group_pid
for _ in $(seq 300); do
  curl -sf -m 2 "http://127.0.0.1:$http/health/live" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.2
done
# The dotnet process itself (setsid execs env, which execs dotnet: same pid).
echo "client: $workers worker processes; service pid $pid, open-file limit $(awk '/Max open files/ { print $4 }' "/proc/$pid/limits"), connection settings:" \
  "$(env | grep '^Connections__' | tr '\n' ' ')(others default)"

flood() {
  local label="$1" nsources="$2"
  /usr/bin/python3 - "$http" "$count" "$nsources" "$pid" "$label" "$workers" <<'PY'
import multiprocessing as mp, os, select, socket, subprocess, sys, time
port, count, nsources, pid, label, workers = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])

def hold(first, share, results, release):
    """Opens connections first..first+share-1, reports how many the service still holds after 2 s, keeps them open until released."""
    deadline = time.monotonic() + 120          # the whole round is bounded in time too
    sockets, failed = [], 0
    for i in range(first, first + share):
        if time.monotonic() > deadline:
            break
        source = "127.0.0.1" if nsources == 1 else "127.0.1.%d" % (1 + i % nsources)
        s = socket.socket()
        s.settimeout(2)
        try:
            s.bind((source, 0))
            s.connect(("127.0.0.1", port))
            s.setblocking(False)
            sockets.append(s)
        except OSError:
            failed += 1
            s.close()
    time.sleep(2)
    # A socket the service closed is readable with EOF (or an error); a held one is not readable.
    poller, held = select.poll(), 0
    for s in sockets:
        poller.register(s, select.POLLIN)
    ready = {fd for fd, _ in poller.poll(0)}
    for s in sockets:
        if s.fileno() not in ready:
            held += 1
            continue
        try:
            if s.recv(1) != b"":
                held += 1
        except OSError:
            pass
    results.put((len(sockets), failed, held))
    release.wait(180)
    for s in sockets:
        s.close()

def alive():
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False

results, release = mp.Queue(), mp.Event()
share = (count + workers - 1) // workers
started = time.monotonic()
procs = [mp.Process(target=hold, args=(w * share, min(share, count - w * share), results, release)) for w in range(workers)]
for p in procs:
    p.start()
opened = failed = held = 0
for _ in procs:
    o, f, h = results.get(timeout=300)
    opened, failed, held = opened + o, failed + f, held + h
took = time.monotonic() - started
fds = len(os.listdir("/proc/%d/fd" % pid)) if alive() else 0
rss = 0
if alive():
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(l.split()[1]) // 1024 for l in f if l.startswith("VmRSS:"))
# /health/live from an address that holds no connection, while the flood's connections stay open.
live_after, t0 = None, time.monotonic()
while time.monotonic() - t0 < 60 and alive():
    r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "2", "--interface", "127.0.0.2",
                        "http://127.0.0.1:%d/health/live" % port], capture_output=True, text=True)
    if r.stdout == "200":
        live_after = time.monotonic() - t0
        break
    time.sleep(0.5)
release.set()
for p in procs:
    p.join(30)
print("%-24s opened %5d of %d in %.1f s (%d failed to connect), held by the service %5d, closed by it %5d; "
      "process %s, %d fds, RSS %d MiB; /health/live %s"
      % (label, opened, count, took, failed, held, opened - held, "alive" if alive() else "DEAD", fds, rss,
         "answered 200 after %.1f s" % live_after if live_after is not None else "did NOT answer within 60 s"))
sys.exit(0 if alive() and live_after is not None else 1)
PY
}

status=0
flood "one source (127.0.0.1)" 1 || status=1
sleep 1
flood "$sources sources (127.0.1.x)" "$sources" || status=1
grep -E 'refused|Out of memory|Unhandled' "$work/server.log" | head -5 || true
exit $status
