using BenchmarkDotNet.Attributes;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;

namespace LocationServer.Benchmarks;

/// <summary>
/// <see cref="WiremapIndex.Build"/> for a generated wiremap. For a single quick figure (time and retained memory
/// at 1M elements) use the program's <c>build</c> mode instead; see README.md.
/// </summary>
[MemoryDiagnoser]
public class IndexBuildBenchmarks
{
    private TenantWiremap _wiremap = null!;

    [Params(1_000, 100_000)]
    public int Elements { get; set; }

    [GlobalSetup]
    public void Setup() => _wiremap = new WiremapGenerator(Elements).Generate();

    [Benchmark]
    public WiremapIndex Build() => WiremapIndex.Build([_wiremap], 1);
}
