using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Routing;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Wiremap;

namespace LocationServer.Benchmarks;

/// <summary>
/// Data for the routing load test (tests/load/routing-scale.sh). <c>routing-data OUTDIR ELEMENTS POLYGONS</c> writes,
/// deterministically: <c>wiremap.json</c> (one tenant, the <see cref="WiremapGenerator"/> elements, every location
/// with a point, one DID per location, ELINs on every tenth location, DID fallback on), <c>psap-boundaries.geojson</c>
/// (a tiling of non-overlapping PSAP polygons with irregular shared edges, covering every point) and
/// <c>cases.env</c> (the identifiers the load cases use, with the boundary each must route to, and the call server's
/// API key). Both files are checked
/// with the product's own validators before they are written; the script loads the wiremap with the import command.
/// </summary>
internal static class RoutingScaleData
{
    public const string TenantId = "bench";

    /// <summary>API key of the generated tenant's call server (written to cases.env as API_KEY).</summary>
    public const string CallServerKey = "bench-callserver-key";

    // The grid starts south-west of Austin; cells are 0.01° (about 1 km) on a side.
    private const double OriginLatitude = 30.0;
    private const double OriginLongitude = -98.0;
    private const double Cell = 0.01;
    private const int VerticesPerEdge = 8;
    // Edge vertices move at most this fraction of a cell off the grid line; below 1/VerticesPerEdge, edges meeting
    // at a corner cannot cross, and points within PointJitter of the centre stay inside their cell.
    private const double EdgeWobble = 0.08;
    private const double PointJitter = 0.3;
    private const int ElinEvery = 10;

    public static int Generate(string outDir, int elementCount, int polygonCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(polygonCount, 1);
        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(outDir);
        var generator = new WiremapGenerator(elementCount, TenantId);
        var columns = (int)Math.Ceiling(Math.Sqrt(polygonCount));
        var wiremap = Enrich(generator.Generate(), polygonCount, columns);

        var errors = WiremapValidator.Validate(wiremap);
        if (errors.Count > 0)
        {
            foreach (var e in errors.Take(20)) Console.Error.WriteLine($"generated wiremap: {e.Path}: {e.Message}");
            return 1;
        }

        var geoJson = BoundariesGeoJson(polygonCount, columns);
        var boundaries = PsapBoundaryImport.FromGeoJson(geoJson, null);
        if (!boundaries.IsValid)
        {
            foreach (var e in boundaries.Errors.Take(20)) Console.Error.WriteLine($"generated boundaries: {e}");
            return 1;
        }
        // Every location must route to the polygon of its own cell: covered, and by exactly the intended one.
        var index = PsapBoundaryIndex.Build(boundaries.Boundaries, 1);
        var siteCell = wiremap.Sites.Select((s, i) => (s.Id, Cell: i % polygonCount)).ToDictionary(x => x.Id, x => x.Cell, StringComparer.Ordinal);
        foreach (var location in wiremap.Locations)
        {
            var expected = BoundaryId(siteCell[location.SiteId]);
            if (index.Find(location.Point!.Value)?.Id != expected)
            {
                Console.Error.WriteLine($"location {location.Id} is not inside {expected}");
                return 1;
            }
        }

        var wiremapPath = Path.Combine(outDir, "wiremap.json");
        using (var file = File.Create(wiremapPath)) WiremapJson.Write(file, wiremap);
        File.WriteAllText(Path.Combine(outDir, "psap-boundaries.geojson"), geoJson);
        File.WriteAllText(Path.Combine(outDir, "cases.env"), CasesEnv(wiremap, siteCell, polygonCount));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"routing-data tenant={TenantId} elements={wiremap.Elements.Count} locations={wiremap.Locations.Count} sites={wiremap.Sites.Count} dids={wiremap.Dids.Count} elin_locations={wiremap.Locations.Count(l => l.Elins is { Count: > 0 })} polygons={boundaries.Boundaries.Count} wiremap_mb={new FileInfo(wiremapPath).Length / 1048576.0:F1} seconds={total.Elapsed.TotalSeconds:F1}"));
        return 0;
    }

    private static TenantWiremap Enrich(TenantWiremap wiremap, int polygonCount, int columns)
    {
        var sites = wiremap.Sites.Select((s, i) => s with { Point = Centre(i % polygonCount, columns) }).ToArray();
        var sitePoints = sites.ToDictionary(s => s.Id, s => s.Point!.Value, StringComparer.Ordinal);
        var locations = new DispatchableLocation[wiremap.Locations.Count];
        var dids = new DidAssignment[locations.Length];
        for (var l = 0; l < locations.Length; l++)
        {
            var location = wiremap.Locations[l];
            var centre = sitePoints[location.SiteId];
            var point = new GeoPoint(
                Math.Round(centre.Latitude + (Unit(1, l, 0, 0) * PointJitter * Cell), 6),
                Math.Round(centre.Longitude + (Unit(2, l, 0, 0) * PointJitter * Cell), 6));
            IReadOnlyList<string>? elins = l % ElinEvery == 0 ? [Elin(2 * (l / ElinEvery)), Elin((2 * (l / ElinEvery)) + 1)] : null;
            locations[l] = location with { Point = point, Elins = elins };
            dids[l] = new DidAssignment(Did(l), location.Id, User: "user-" + l.ToString(CultureInfo.InvariantCulture));
        }
        return wiremap with
        {
            Tenant = wiremap.Tenant with { DidFallback = true },
            Sites = sites,
            Locations = locations,
            Dids = dids,
            // The call server the load scripts play; RouteCall needs its key.
            Requesters = [new Requester("callserver", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(CallServerKey))))],
        };
    }

    private static string CasesEnv(TenantWiremap wiremap, Dictionary<string, int> siteCell, int polygonCount)
    {
        var locations = wiremap.Locations.ToDictionary(l => l.Id, StringComparer.Ordinal);
        string BoundaryOf(string locationId) => BoundaryId(siteCell[locations[locationId].SiteId]);
        bool HasElins(string locationId) => locations[locationId].Elins is { Count: > 0 };

        var plain = wiremap.Locations.First(l => !HasElins(l.Id));
        var withElins = wiremap.Locations.First(l => HasElins(l.Id));
        var pinned = wiremap.Elements.Where(e => e.Kind == ElementKind.DeviceMac && !HasElins(e.LocationId!)).Take(2).ToArray();
        var macs = pinned.Select(e => MacAddress.TryParse(e.Value, out var mac) ? mac.ToString() : throw new InvalidOperationException(e.Value)).ToArray();

        var text = new StringBuilder();
        void Line(string key, object value) => text.Append(CultureInfo.InvariantCulture, $"{key}={value}\n");
        Line("TENANT", wiremap.Tenant.Id);
        Line("API_KEY", CallServerKey);
        Line("ELEMENTS", wiremap.Elements.Count);
        Line("POLYGONS", polygonCount);
        Line("LOCATIONS", wiremap.Locations.Count);
        Line("DIDS", wiremap.Dids.Count);
        // (a) a DID whose location has no ELINs; (d) one whose location has ELINs.
        Line("DID_PLAIN", Did(Array.IndexOf([.. wiremap.Locations], plain)));
        Line("DID_PLAIN_PSAP", BoundaryOf(plain.Id));
        Line("DID_ELIN", Did(Array.IndexOf([.. wiremap.Locations], withElins)));
        Line("DID_ELIN_PSAP", BoundaryOf(withElins.Id));
        // (b) a pinned device MAC sent as the station MAC; (c) another one, asking HELD for a location URI.
        Line("STATION_MAC", macs[0]);
        Line("STATION_MAC_PSAP", BoundaryOf(pinned[0].LocationId!));
        Line("TOKEN_MAC", macs[1].Replace(':', '-'));
        Line("TOKEN_MAC_PSAP", BoundaryOf(pinned[1].LocationId!));
        // A number that is not a DID, so the station and token cases cannot fall back to a DID.
        Line("OTHER_CALLER", "+15125550100");
        return text.ToString();
    }

    private static string BoundariesGeoJson(int polygonCount, int columns)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "FeatureCollection");
            w.WriteStartArray("features");
            for (var c = 0; c < polygonCount; c++)
            {
                w.WriteStartObject();
                w.WriteString("type", "Feature");
                w.WriteStartObject("properties");
                w.WriteString("id", BoundaryId(c));
                w.WriteString("name", "PSAP " + c.ToString("D4", CultureInfo.InvariantCulture) + " (generated)");
                w.WriteString("uri", "sip:" + BoundaryId(c) + "@esinet.invalid");
                w.WriteEndObject();
                w.WriteStartObject("geometry");
                w.WriteString("type", "Polygon");
                w.WriteStartArray("coordinates");
                w.WriteStartArray();
                foreach (var (lon, lat) in Ring(c % columns, c / columns))
                {
                    w.WriteStartArray();
                    w.WriteNumberValue(lon);
                    w.WriteNumberValue(lat);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    // Counter-clockwise exterior ring (RFC 7946 §3.1.6) of cell (i, j): bottom and right edges forwards, top and
    // left edges backwards. Neighbours compute each shared edge from the same lattice nodes, so the tiling has no
    // gaps or overlaps.
    private static IEnumerable<(double Lon, double Lat)> Ring(int i, int j)
    {
        var ring = new List<(double, double)>(4 * VerticesPerEdge + 1);
        ring.AddRange(HorizontalEdge(i, j));
        ring.AddRange(VerticalEdge(i + 1, j));
        ring.AddRange(HorizontalEdge(i, j + 1).Reverse());
        ring.AddRange(VerticalEdge(i, j).Reverse());
        ring.Add(ring[0]);
        return ring;
    }

    // From lattice node (i, j) towards (i + 1, j), the end node excluded.
    private static IEnumerable<(double, double)> HorizontalEdge(int i, int j)
    {
        yield return Node(i, j);
        for (var k = 1; k < VerticesPerEdge; k++)
            yield return (Round(OriginLongitude + ((i + ((double)k / VerticesPerEdge)) * Cell)),
                Round(OriginLatitude + ((j + (Unit(3, i, j, k) * EdgeWobble)) * Cell)));
        yield return Node(i + 1, j);
    }

    // From lattice node (i, j) towards (i, j + 1), both ends included (the caller drops duplicates by order).
    private static IEnumerable<(double, double)> VerticalEdge(int i, int j)
    {
        yield return Node(i, j);
        for (var k = 1; k < VerticesPerEdge; k++)
            yield return (Round(OriginLongitude + ((i + (Unit(4, i, j, k) * EdgeWobble)) * Cell)),
                Round(OriginLatitude + ((j + ((double)k / VerticesPerEdge)) * Cell)));
        yield return Node(i, j + 1);
    }

    private static (double, double) Node(int i, int j) => (Round(OriginLongitude + (i * Cell)), Round(OriginLatitude + (j * Cell)));

    private static GeoPoint Centre(int cell, int columns) => new(
        Math.Round(OriginLatitude + (((cell / columns) + 0.5) * Cell), 6),
        Math.Round(OriginLongitude + (((cell % columns) + 0.5) * Cell), 6));

    private static double Round(double value) => Math.Round(value, 7);

    // A deterministic value in [-1, 1) from a few integers (splitmix64 finaliser).
    private static double Unit(int stream, int a, int b, int c)
    {
        var x = ((ulong)(uint)stream << 48) ^ ((ulong)(uint)a << 24) ^ ((ulong)(uint)b << 8) ^ (uint)c;
        x += 0x9E3779B97F4A7C15;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        x ^= x >> 31;
        return ((x >> 11) * (1.0 / (1UL << 53)) * 2) - 1;
    }

    private static string BoundaryId(int cell) => "psap-" + cell.ToString("D4", CultureInfo.InvariantCulture);

    private static string Did(int location) => "+1512" + (6_000_000 + location).ToString(CultureInfo.InvariantCulture);

    private static string Elin(int n) => "+1737" + (2_000_000 + n).ToString(CultureInfo.InvariantCulture);
}
