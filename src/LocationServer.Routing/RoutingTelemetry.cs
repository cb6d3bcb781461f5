using System.Diagnostics.Metrics;

namespace LocationServer.Routing;

/// <summary>
/// The routing service's instruments, on the service's meter (<c>LocationServer</c>): one count per routed call,
/// tagged with where it went (<c>route</c>) and what located it (<c>source</c>).
/// </summary>
internal sealed class RoutingTelemetry : IDisposable
{
    /// <summary>The meter every service instrument belongs to.</summary>
    public const string MeterName = "LocationServer";

    private readonly Meter _meter;
    private readonly Counter<long> _calls;

    public RoutingTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _calls = _meter.CreateCounter<long>("locationserver.routing.calls", description: "Routed emergency calls by route kind and location source.");
    }

    public void CallRouted(RouteDestination route, LocationSourceKind source) =>
        _calls.Add(1, new KeyValuePair<string, object?>("route", route.ToString()), new KeyValuePair<string, object?>("source", source.ToString()));

    public void Dispose() => _meter.Dispose();
}
