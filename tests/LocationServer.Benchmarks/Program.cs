using System.Globalization;
using BenchmarkDotNet.Running;
using LocationServer.Benchmarks;

if (args is ["build", ..])
{
    var elements = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
    return BuildReport.Run(elements);
}

if (args is ["pgload", ..])
{
    var elements = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
    var server = args.Length > 2 ? args[2] : Environment.GetEnvironmentVariable("LOCATIONSERVER_TEST_POSTGRES")
        ?? throw new InvalidOperationException("pass a PostgreSQL connection string or set LOCATIONSERVER_TEST_POSTGRES");
    return await PostgresLoadReport.RunAsync(elements, server);
}

if (args is ["callwrite", ..])
{
    var records = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
    return await CallRecordWriteReport.RunAsync(records, args.Length > 2 ? args[2] : Environment.GetEnvironmentVariable("LOCATIONSERVER_TEST_POSTGRES"));
}

if (args is ["journalreplay", ..])
{
    var records = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
    return await JournalReplayReport.RunAsync(records, args.Length > 2 ? args[2] : Environment.GetEnvironmentVariable("LOCATIONSERVER_TEST_POSTGRES"));
}

if (args is ["routing-data", var outDir, ..])
{
    var elements = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1_000_000;
    var polygons = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1_000;
    return RoutingScaleData.Generate(outDir, elements, polygons);
}

if (args is ["gis-town", var townPath])
{
    Console.WriteLine($"{LocationServer.Tests.Gis.GisFixtures.WriteTown(townPath)} address points written to {townPath}");
    return 0;
}

if (args is ["gisload", ..])
{
    var segments = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
    return GisLoadReport.Run(segments, args.Length > 2 ? args[2] : null);
}

BenchmarkSwitcher.FromAssembly(typeof(MatchBenchmarks).Assembly).Run(args);
return 0;
