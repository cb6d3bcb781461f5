using BenchmarkDotNet.Attributes;
using LocationServer.Core.Matching;

namespace LocationServer.Benchmarks;

/// <summary>
/// <see cref="TenantIndex.Match"/> against a generated wiremap of 1k and 1M elements. Each operation cycles through
/// <see cref="Distinct"/> different pieces of evidence spread over the whole wiremap, so the figure is the cost of
/// one lookup with a realistic hot set rather than of one key hammered in L1.
/// </summary>
[MemoryDiagnoser]
public class MatchBenchmarks
{
    private const int Distinct = 256;

    private TenantIndex _index = null!;
    private Evidence[] _bssid = [];
    private Evidence[] _chassisPort = [];
    private Evidence[] _subnet = [];
    private Evidence[] _miss = [];

    [Params(1_000, 1_000_000)]
    public int Elements { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var generator = new WiremapGenerator(Elements);
        var index = WiremapIndex.Build([generator.Generate()], 1);
        if (!index.TryGetTenant(generator.TenantId, out _index)) throw new InvalidOperationException("tenant missing");
        var stride = Math.Max(1, Elements / Distinct);
        _bssid = [.. Enumerable.Range(0, Distinct).Select(i => generator.BssidHit(i * stride * 7))];
        _chassisPort = [.. Enumerable.Range(0, Distinct).Select(i => generator.ChassisPortHit(i * stride * 13))];
        _subnet = [.. Enumerable.Range(0, Distinct).Select(i => generator.SubnetHit(i * stride * 11))];
        _miss = [.. Enumerable.Range(0, Distinct).Select(generator.Miss)];
        Verify(_bssid, MatchRule.Bssid);
        Verify(_chassisPort, MatchRule.ChassisPort);
        Verify(_subnet, MatchRule.Subnet);
        Verify(_miss, MatchRule.None);
    }

    [Benchmark(OperationsPerInvoke = Distinct)]
    public int BssidHit() => Run(_bssid);

    [Benchmark(OperationsPerInvoke = Distinct)]
    public int ChassisPortHit() => Run(_chassisPort);

    [Benchmark(OperationsPerInvoke = Distinct)]
    public int SubnetHit() => Run(_subnet);

    [Benchmark(OperationsPerInvoke = Distinct)]
    public int Miss() => Run(_miss);

    private int Run(Evidence[] evidence)
    {
        var sum = 0;
        foreach (var e in evidence) sum += (int)_index.Match(e).Rule;
        return sum;
    }

    private void Verify(Evidence[] evidence, MatchRule expected)
    {
        foreach (var e in evidence)
        {
            var rule = _index.Match(e).Rule;
            if (rule != expected) throw new InvalidOperationException($"expected {expected}, matched {rule}");
        }
    }
}
