using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LocationServer.Locating.Telemetry;

/// <summary>The service's own ActivitySource and Meter, and the instruments the HELD side records to (routing has its own, on the same meter).</summary>
internal sealed class LocationServerTelemetry : IDisposable
{
    public const string Name = "LocationServer";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter _meter;

    public LocationServerTelemetry(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        HeldRequests = _meter.CreateCounter<long>("locationserver.held.requests", description: "HELD requests by outcome and matched rule.");
        HeldDuration = _meter.CreateHistogram<double>("locationserver.held.duration", unit: "ms", description: "HELD request processing time.");
        IgnoredMacClaims = _meter.CreateCounter<long>("locationserver.held.ignored_mac_claims", description: "HELD requests whose MAC claim was not bound to their source address and was ignored.");
        Dereferences = _meter.CreateCounter<long>("locationserver.dereferences", description: "Location URI dereferences by outcome.");
        WiremapReloads = _meter.CreateCounter<long>("locationserver.wiremap.reloads", description: "Wiremap index rebuilds.");
    }

    public Counter<long> HeldRequests { get; }
    public Histogram<double> HeldDuration { get; }
    public Counter<long> IgnoredMacClaims { get; }
    public Counter<long> Dereferences { get; }
    public Counter<long> WiremapReloads { get; }

    public void Dispose() => _meter.Dispose();
}
