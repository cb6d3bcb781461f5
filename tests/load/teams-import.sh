#!/usr/bin/env bash
# Times the Microsoft Teams LIS import path through the service binary on its embedded default (SQLite in a temporary
# directory), against the Skype for Business port import of the same ports in the same run: 50 civic addresses, 1000
# locations (20 each) and ROWS ports (default 20000) are imported in the documented order (civic addresses, locations,
# then the port file, whose LocationIds resolve against the locations), the port file again (no changes), and the
# port file exported. Each step is one process, so the figures include the host's start (printed first).
# Usage: bash tests/load/teams-import.sh [ROWS]      Environment: SKIP_BUILD=1
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
rows=${1:-20000}
[ "$rows" -ge 1 ] && [ "$rows" -le 500000 ] || { echo "ROWS is 1-500000" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
bin="$repo/src/LocationServer/bin/Release/net10.0/LocationServer.dll"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "${SKIP_BUILD:-}" ] || dotnet build "$repo/src/LocationServer" -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
export Storage__DataDirectory="$work" Logging__LogLevel__Default=Warning

python3 - "$work" "$rows" <<'PY'
import sys, uuid
work, rows = sys.argv[1], int(sys.argv[2])
civic = lambda b: uuid.UUID(int=(0xC1 << 120) | b)
location = lambda b, l: uuid.UUID(int=(0x10 << 120) | (b << 16) | l)
default = lambda b: uuid.UUID(int=(0xDE << 120) | b)
with open(f"{work}/civic.csv", "w", encoding="utf-8-sig", newline="") as f:
    f.write('"CivicAddressId","HouseNumber","StreetName","StreetSuffix","City","PostalCode","StateOrProvince","CountryOrRegion","Description","CompanyName","DefaultLocationId"\r\n')
    for b in range(50):
        f.write(f'"{civic(b)}","{100 + b}","Congress","Ave","Austin","78701","TX","US","Building {b}","Example Corp","{default(b)}"\r\n')
with open(f"{work}/locations.csv", "w", encoding="utf-8-sig", newline="") as f:
    f.write('"LocationId","CivicAddressId","Location","Elin"\r\n')
    for b in range(50):
        for l in range(20):
            f.write(f'"{location(b, l)}","{civic(b)}","{l // 5 + 1}/{l + 1:03d}",""\r\n')
with open(f"{work}/ports.csv", "w", encoding="utf-8", newline="") as f:
    f.write('"PortID","ChassisID","LocationId","Description"\r\n')
    for i in range(rows):
        building, switch, port = i % 50, i // 48, i % 48
        f.write(f'"{port + 1}","02-00-00-{switch >> 16 & 255:02X}-{switch >> 8 & 255:02X}-{switch & 255:02X}","{location(building, (i // 50) % 20)}","port {port + 1}"\r\n')
PY
echo '{ "tenant": { "id": "load", "name": "Load" } }' > "$work/tenant.json"

# shellcheck source=tests/load/lib.sh
. "$repo/tests/load/lib.sh"
timed() { timed_cli "$bin" "$work" "$@"; }

echo "Teams LIS import, 50 civic addresses, 1000 locations, $rows port rows, SQLite, $(nproc) cores"
dotnet exec "$bin" import "$work/tenant.json" > "$work/tenant.out" 2>&1 || { cat "$work/tenant.out" >&2; exit 1; }
timed "host start (empty export)" 0 export --format sites load "$work/empty.csv"
timed "teams-civic-address" 50 import --format teams-civic-address --tenant load "$work/civic.csv"
timed "teams-location" 1000 import --format teams-location --tenant load "$work/locations.csv"
timed "teams-port --dry-run" "$rows" import --format teams-port --tenant load --dry-run "$work/ports.csv"
timed "teams-port merge (all new)" "$rows" import --format teams-port --tenant load "$work/ports.csv"
timed "teams-port merge again (no change)" "$rows" import --format teams-port --tenant load "$work/ports.csv"
timed "export --format teams-port" "$rows" export --format teams-port load "$work/ports-out.csv"
grep -E "chassisPort" "$work/teams-port merge (all new).out" | grep -v '^    ' || true
echo "exported $(($(wc -l < "$work/ports-out.csv") - 1)) ports"
