using System.Globalization;
using BenchmarkDotNet.Attributes;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Redis;
using LocationServer.Routing;
using LocationServer.Routing.Alerts;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocationServer.Benchmarks;

/// <summary>
/// What the HELD path pays for the location-changed alert (<see cref="EmergencyCallWatch.Observe"/>) for a device
/// without an emergency-call window: with no window open anywhere, and with 1,000 windows open for other devices;
/// and, for scale, one wiremap match of the same request's kind.
/// </summary>
[MemoryDiagnoser]
public class CallWatchBenchmarks
{
    private const string Tenant = "bench";
    private EmergencyCallWatch _empty = null!;
    private EmergencyCallWatch _busy = null!;
    private ResolvedLocation _location = null!;
    private TenantIndex _index = null!;
    private Evidence _evidence = null!;
    private readonly string _device = "ip:10.9.8.7";

    [GlobalSetup]
    public void Setup()
    {
        _empty = New();
        _busy = New();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 1_000; i++)
        {
            var id = i.ToString(CultureInfo.InvariantCulture);
            _busy.Merge(new CallWatchMessage(Tenant, "call-" + id, ["ip:10.1." + (i / 250).ToString(CultureInfo.InvariantCulture) + "." + (i % 250).ToString(CultureInfo.InvariantCulture)],
                now, now.AddHours(1), null, null, null, null, null, null, "loc-" + id, "Floor " + id, 0));
        }
        var generated = new WiremapGenerator(10_000).Generate();
        _index = WiremapIndex.Build([generated], 1).Tenants.Single();
        var subnet = generated.Elements.First(e => e.Kind == ElementKind.Subnet);
        var network = System.Net.IPNetwork.Parse(subnet.Value);
        var address = network.BaseAddress.GetAddressBytes();
        address[^1] = 7;
        _evidence = new Evidence { SourceAddress = new System.Net.IPAddress(address) };
        _location = _index.Match(_evidence).Location!;
    }

    private static EmergencyCallWatch New() =>
        new(new InProcessCallWatchBus(), new NoAlerts(), new WiremapIndexHolder(), TimeProvider.System, NullLogger<EmergencyCallWatch>.Instance);

    [Benchmark(Baseline = true)]
    public void Observe_NoWindowOpen() => _empty.Observe(Tenant, _device, _location, MatchRule.Subnet);

    [Benchmark]
    public void Observe_1000WindowsOfOtherDevices() => _busy.Observe(Tenant, _device, _location, MatchRule.Subnet);

    [Benchmark]
    public MatchResult Match_Subnet() => _index.Match(_evidence);

    private sealed class NoAlerts : IAlertSink
    {
        public bool TryEnqueue(AlertMessage alert, string? json = null, bool recorded = false) => true;
    }
}
