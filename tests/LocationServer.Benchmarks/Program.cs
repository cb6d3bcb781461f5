using System.Globalization;
using BenchmarkDotNet.Running;
using LocationServer.Benchmarks;

if (args is ["build", ..])
{
    var elements = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
    return BuildReport.Run(elements);
}

BenchmarkSwitcher.FromAssembly(typeof(MatchBenchmarks).Assembly).Run(args);
return 0;
