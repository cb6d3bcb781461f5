using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using LocationServer.Core.Gis;
using LocationServer.Core.Wiremap;
using LocationServer.Locating.Gis;
using LocationServer.Tests.Gis;

namespace LocationServer.Benchmarks;

/// <summary>The synthetic state of <see cref="SyntheticLayout"/>, built straight into an index (no file), and addresses in it.</summary>
internal static class SyntheticGis
{
    public const int PointsPerSegment = 5;

    public static GisIndex Build(int segments)
    {
        var builder = new GisIndexBuilder();
        var area = new AreaNames("US", "TX", "Synthetic County", null, PostCode: "70000");
        for (var segment = 0; segment < segments; segment++)
        {
            var block = SyntheticLayout.Block(segment);
            var names = area with { A3 = block.Community };
            var street = new StreetName(null, null, block.Street[..^4], "Avenue", null);
            var line = new NetTopologySuite.Geometries.LineString([new(block.X, block.Y), new(block.X + SyntheticLayout.BlockLength, block.Y)]);
            builder.Add(new CenterlineFeature("s" + segment.ToString(CultureInfo.InvariantCulture), street,
                new CenterlineSide(block.BaseNumber + 1, block.BaseNumber + 99, Parity.Odd, names),
                new CenterlineSide(block.BaseNumber, block.BaseNumber + 98, Parity.Even, names), line));
            for (var k = 0; k < PointsPerSegment; k++)
            {
                var (number, x, y) = SyntheticLayout.Point(block, k);
                builder.Add(new AddressPointFeature("p", street, number, null, names, x, y));
            }
        }
        return builder.Build(new GisVersion(1, "synthetic", DateTimeOffset.UnixEpoch));
    }

    /// <summary>An address on <paramref name="segment"/>: an address point's number, or one only on the range.</summary>
    public static CivicAddress Address(int segment, bool onRangeOnly)
    {
        var block = SyntheticLayout.Block(segment);
        var number = onRangeOnly ? block.BaseNumber + 51 : SyntheticLayout.Point(block, 2).Number;
        return new CivicAddress
        {
            Country = "US",
            A1 = "TX",
            A3 = block.Community,
            RD = block.Street[..^4],
            STS = "Ave",
            HNO = number.ToString(CultureInfo.InvariantCulture),
            PC = "70000",
        };
    }
}

/// <summary>
/// Validate + geocode one address (<see cref="GisIndex.Validate"/>) at growing data sizes: an address point hit, an
/// interpolated hit, and an invalid house number. Each operation cycles through 256 addresses spread over the data.
/// </summary>
[MemoryDiagnoser]
public class GisValidateBenchmarks
{
    private const int Distinct = 256;
    private GisIndex _index = null!;
    private CivicAddress[] _points = [];
    private CivicAddress[] _ranges = [];
    private CivicAddress[] _invalid = [];
    private int _next;

    /// <summary>Centerline segments; address points are five times as many.</summary>
    [Params(2_000, 200_000, 1_000_000)]
    public int Segments { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _index = SyntheticGis.Build(Segments);
        var stride = Math.Max(1, Segments / Distinct);
        _points = [.. Enumerable.Range(0, Distinct).Select(i => SyntheticGis.Address(i * stride % Segments, onRangeOnly: false))];
        _ranges = [.. Enumerable.Range(0, Distinct).Select(i => SyntheticGis.Address(i * stride % Segments, onRangeOnly: true))];
        _invalid = [.. _points.Select(a => a with { HNO = "99999" })];
        foreach (var a in _points) if (_index.Validate(a).Source != GeocodeSource.AddressPoint) throw new InvalidOperationException("setup: not an address point " + a.ToDisplayString());
        foreach (var a in _ranges) if (_index.Validate(a).Source != GeocodeSource.Interpolated) throw new InvalidOperationException("setup: not interpolated " + a.ToDisplayString());
    }

    [Benchmark(Baseline = true)]
    public GeoPoint? AddressPoint() => _index.Validate(_points[_next++ & (Distinct - 1)]).Point;

    [Benchmark]
    public GeoPoint? Interpolated() => _index.Validate(_ranges[_next++ & (Distinct - 1)]).Point;

    [Benchmark]
    public AddressValidity InvalidNumber() => _index.Validate(_invalid[_next++ & (Distinct - 1)]).Validity;
}

/// <summary>
/// Load time and memory of a synthetic state from a GeoPackage: writes it (not timed), then reads and indexes it
/// once, printing the time (wall and CPU), the peak working set and the index's retained managed memory. With
/// <c>GISLOAD_PHASES=1</c> it then times a bare scan of the rows, the floor under the reading phase.
/// </summary>
internal static class GisLoadReport
{
    public static int Run(int segments, string? directory)
    {
        var dir = directory ?? Path.GetTempPath();
        var path = Path.Combine(dir, $"synthetic-{segments}.gpkg");
        if (!File.Exists(path))
        {
            var written = Stopwatch.StartNew();
            var points = GisFixtures.WriteSynthetic(path, segments, SyntheticGis.PointsPerSegment);
            Console.WriteLine($"wrote {points:N0} address points + {segments:N0} segments to {path} ({new FileInfo(path).Length / 1048576.0:F0} MiB) in {written.Elapsed.TotalSeconds:F1} s");
        }
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.StartNew();
        var builder = new GisIndexBuilder();
        var report = GisFileReader.Read(path, GisFormat.GeoPackage, builder);
        var read = started.Elapsed;
        var index = builder.Build(new GisVersion(1, Path.GetFileName(path), DateTimeOffset.UtcNow));
        var total = started.Elapsed;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        builder = null;
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        Console.WriteLine($"loaded {index.AddressPointCount:N0} address points, {index.SegmentCount:N0} segments, {index.CommunityCount:N0} communities, {report.Problems.Count} problems");
        Console.WriteLine($"read {read.TotalSeconds:F1} s, build {(total - read).TotalSeconds:F1} s, total {total.TotalSeconds:F1} s, CPU {cpu.TotalSeconds:F1} s (all threads; wall time swings with the load of the shared cores)");
        Console.WriteLine($"peak working set {peak / 1048576.0:F0} MiB, index retained {retained / 1048576.0:F0} MiB");
        // Keep the index alive until it has been measured.
        GC.KeepAlive(index);
        if (Environment.GetEnvironmentVariable("GISLOAD_PHASES") != "1") return 0;
        var scan = Stopwatch.StartNew();
        var rows = ScanRows(path);
        Console.WriteLine($"phases: SQLite row scan alone {scan.Elapsed.TotalSeconds:F1} s ({rows:N0} rows), fields + geometry + index adds {(read - scan.Elapsed).TotalSeconds:F1} s, build {(total - read).TotalSeconds:F1} s");
        return 0;
    }

    /// <summary>Steps through the rows of the two large layers reading nothing: the floor a load cannot go below.</summary>
    private static long ScanRows(string path)
    {
        using var database = GeoPackageLayer.Open(path);
        long rows = 0;
        foreach (var layer in (string[])["SiteStructureAddressPoint", "RoadCenterLine"])
        {
            using var table = new GeoPackageLayer(database, layer, ["Shape"], new Dictionary<string, string>(StringComparer.Ordinal));
            while (table.Read()) rows++;
        }
        return rows;
    }
}
