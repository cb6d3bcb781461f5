#!/usr/bin/env bash
# Times the CSV import path through the service binary on its embedded default (SQLite in a temporary directory):
# a Skype for Business port file of ROWS rows (default 20000) spread over 50 buildings with 20 locations each is
# checked (--dry-run), merged into an empty tenant, merged again (no changes), and the elements exported as CSV.
# Prints the wall time of each step and the rows per second; each step is one process, so the figures include the
# host's start (printed first: an export of the still empty tenant).
# Usage: bash tests/load/csv-import.sh [ROWS]      Environment: SKIP_BUILD=1
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

python3 - "$work/ports.csv" "$rows" <<'PY'
import sys
path, rows = sys.argv[1], int(sys.argv[2])
with open(path, "w", encoding="utf-8-sig", newline="") as f:
    f.write("#TYPE Selected.System.Management.Automation.PSCustomObject\r\n")
    f.write('"ChassisID","PortID","PortIDSubType","Description","Location","CompanyName","HouseNumber","HouseNumberSuffix",'
            '"PreDirectional","StreetName","StreetSuffix","PostDirectional","City","State","PostalCode","Country"\r\n')
    for i in range(rows):
        building, switch, port = i % 50, i // 48, i % 48
        f.write(f'"02-00-00-{switch >> 16 & 255:02X}-{switch >> 8 & 255:02X}-{switch & 255:02X}","{port + 1}","LocallyAssigned",'
                f'"port {port + 1}","{(i // 50) % 20 // 5 + 1}/{(i // 50) % 20 + 1:03d}","Example Corp","{100 + building}","","","Congress","Ave","",'
                f'"Austin","TX","78701","US"\r\n')
PY
echo '{ "tenant": { "id": "load", "name": "Load" } }' > "$work/tenant.json"

# shellcheck source=tests/load/lib.sh
. "$repo/tests/load/lib.sh"
timed() { timed_cli "$bin" "$work" "$@"; }

echo "CSV import, $rows port rows, 50 buildings x 20 locations, SQLite, $(nproc) cores"
dotnet exec "$bin" import "$work/tenant.json" > "$work/tenant.out" 2>&1 || { cat "$work/tenant.out" >&2; exit 1; }
timed "host start (empty export)" 0 export --format sites load "$work/empty.csv"
timed "sfb-port --dry-run" "$rows" import --format sfb-port --tenant load --dry-run "$work/ports.csv"
timed "sfb-port merge (all new)" "$rows" import --format sfb-port --tenant load "$work/ports.csv"
timed "sfb-port merge again (no change)" "$rows" import --format sfb-port --tenant load "$work/ports.csv"
timed "export --format elements" "$rows" export --format elements load "$work/elements.csv"
grep -E "chassisPort|sites|locations" "$work/sfb-port merge (all new).out" | grep -v '^    ' || true
echo "exported $(($(wc -l < "$work/elements.csv") - 1)) elements"
