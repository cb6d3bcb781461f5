using System.Globalization;
using System.Net;
using BenchmarkDotNet.Attributes;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;

namespace LocationServer.Benchmarks;

/// <summary>
/// The emergency policy lookup RouteCall and HELD pay per request (<see cref="PolicyIndex.Resolve"/> then the dial
/// string classification), for a tenant with a tenant policy, a policy on every other site and 1,000 network policies,
/// against a tenant without policies; and the cost of resolving them when the index is built.
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private TenantWiremap _wiremap = null!;
    private PolicyIndex _policies = null!;
    private string[] _sites = [];
    private IPAddress[] _inNetwork = [];
    private IPAddress[] _outside = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var generated = new WiremapGenerator(100_000).Generate();
        _sites = [.. generated.Sites.Select(s => s.Id)];
        var policies = new List<EmergencyPolicy>
        {
            new("tenant", "Tenant", PolicyScope.Tenant) { Preset = "us", Conference = new ConferenceHint("sip:desk@example.com") },
        };
        for (var i = 0; i < _sites.Length; i += 2)
            policies.Add(new("site-" + _sites[i], "Site", PolicyScope.Site) { SiteIds = [_sites[i]], Mode = PolicyMode.TestOnly, CallbackWindowMinutes = 90 });
        for (var i = 0; i < 1_000; i++)
            policies.Add(new("net-" + i.ToString(CultureInfo.InvariantCulture), "Net", PolicyScope.Network)
            {
                Networks = [$"172.{16 + i / 256}.{i % 256}.0/24"],
                ManualEntry = ManualEntryPolicy.NotAllowed,
            });
        _wiremap = generated with { Policies = policies };
        _policies = PolicyIndex.Build(_wiremap);
        _inNetwork = [.. Enumerable.Range(0, 256).Select(i => IPAddress.Parse($"172.{16 + i % 4}.{i}.9"))];
        _outside = [.. Enumerable.Range(0, 256).Select(i => IPAddress.Parse($"192.168.{i}.9"))];
        // Warm the network-over-site cache the way a running node has it after its first calls.
        foreach (var site in _sites)
            foreach (var address in _inNetwork) _policies.Resolve(site, address);
    }

    [Benchmark(Baseline = true, Description = "no policies: resolve + classify")]
    public DialService? NoPolicies()
    {
        var i = _next++ & 255;
        return PolicyIndex.Empty.Resolve(_sites[i % _sites.Length], _outside[i]).Classify("911");
    }

    [Benchmark(Description = "site policy: resolve + classify")]
    public DialService? SitePolicy()
    {
        var i = _next++ & 255;
        return _policies.Resolve(_sites[i % _sites.Length], _outside[i]).Classify("911");
    }

    [Benchmark(Description = "network over site: resolve + classify")]
    public DialService? NetworkPolicy()
    {
        var i = _next++ & 255;
        return _policies.Resolve(_sites[i % _sites.Length], _inNetwork[i]).Classify("911");
    }

    [Benchmark(Description = "build the policy index")]
    public PolicyIndex Build() => PolicyIndex.Build(_wiremap);
}
