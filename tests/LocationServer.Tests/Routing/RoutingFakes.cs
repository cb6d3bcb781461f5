using System.Collections.Concurrent;
using LocationServer.Core.Matching;
using LocationServer.Core.Routing;
using LocationServer.Core.Wiremap;
using LocationServer.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LocationServer.Tests.Routing;

internal sealed class FakeTokenResolver : ILocationTokenResolver
{
    public Dictionary<string, TokenResolution> Tokens { get; } = [];

    public List<(string Tenant, string Reference)> Calls { get; } = [];

    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _gateAt;

    /// <summary>Holds every resolution until <paramref name="callers"/> calls are inside it, so they proceed together.</summary>
    public void GateAt(int callers) => _gateAt = callers;

    public async ValueTask<TokenResolution> ResolveAsync(string tenant, string reference, CancellationToken cancellationToken)
    {
        int arrived;
        lock (Calls)
        {
            Calls.Add((tenant, reference));
            arrived = Calls.Count;
        }
        if (_gateAt > 0)
        {
            if (arrived >= _gateAt) _gate.TrySetResult();
            await _gate.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        return Tokens.TryGetValue(reference, out var r) ? r : TokenResolution.Failed(TokenStatus.Unknown);
    }
}

/// <summary>Keeps records in a list and, like the real sink, makes the callback window a call opened durable in <see cref="Elins"/>.</summary>
internal sealed class FakeCallRecordSink(InMemoryElinAssignmentStore elins) : ICallRecordSink
{
    public List<CallRecord> Records { get; } = [];

    public InMemoryElinAssignmentStore Elins { get; } = elins;

    public bool Fail { get; set; }

    public bool Enqueue(CallRecord record, AlertMessage? alert = null, string? alertJson = null)
    {
        if (Fail) throw new IOException("store down");
        lock (Records) Records.Add(record);
        if (record.CallbackWindow is { } window) Elins.Upsert(window);
        return true;
    }
}

internal sealed class FakeAlertSink : IAlertSink
{
    public List<RoutingAlert> Alerts { get; } = [];

    public bool TryEnqueue(AlertMessage alert, string? json = null, bool recorded = false)
    {
        lock (Alerts) Alerts.Add(Assert.IsType<RoutingAlert>(alert));
        return true;
    }
}

internal sealed class FakePidfLoRenderer : IPidfLoRenderer
{
    public string Render(ResolvedLocation location, string method) => $"<presence entity=\"{location.Id}\" method=\"{method}\"/>";
}

internal sealed class InMemoryElinAssignmentStore : IElinAssignmentStore
{
    private readonly ConcurrentDictionary<(string Tenant, string Elin), ElinAssignment> _byElin = new();

    public bool Fail { get; set; }

    public Task<IReadOnlyList<ElinAssignment>> ListActiveAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        Fail ? throw new IOException("store down") : Task.FromResult<IReadOnlyList<ElinAssignment>>([.. _byElin.Values.Where(a => a.IsActive(now))]);

    public void Upsert(ElinAssignment assignment) => _byElin[(assignment.Tenant, assignment.Elin)] = assignment;

    /// <summary>Announcements of other nodes, as the store's feed would deliver them.</summary>
    public event Action<ElinAssignment>? Announced;

    public void Announce(ElinAssignment assignment) => Announced?.Invoke(assignment);

    public IDisposable Subscribe(Action<ElinAssignment> onAssigned)
    {
        Announced += onAssigned;
        return new Unsubscriber(() => Announced -= onAssigned);
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    public Task<ElinAssignment?> FindAsync(string tenant, string elin, DateTimeOffset now, CancellationToken cancellationToken) =>
        Fail ? throw new IOException("store down") : Task.FromResult(_byElin.TryGetValue((tenant, elin), out var a) && a.IsActive(now) ? a : null);

    public int Count => _byElin.Count;
}

/// <summary>A two-tenant wiremap, PSAP boundaries around Austin and a router wired to fakes.</summary>
internal sealed class RoutingScenario
{
    public static readonly CivicAddress Congress = new()
    {
        Country = "US",
        A1 = "TX",
        A3 = "Austin",
        HNO = "100",
        RD = "Congress",
        STS = "Ave",
        PC = "78701",
    };

    public static readonly GeoPoint Downtown = new(30.2672, -97.7431);

    /// <summary>API key of acme's call server (requester "pbx").</summary>
    public const string AcmeKey = "acme-pbx-key";

    private static string KeyHash(string key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    /// <summary>API key of the other tenant's call server.</summary>
    public const string OtherKey = "other-pbx-key";

    public RoutingScenario(bool acmeDidFallback = false)
    {
        var acme = new TenantWiremap(
            new Tenant("acme", "Acme", Guid.Parse("6f1c1e1a-7d2b-4c55-9a43-2b7c1f0e9d11"), DidFallback: acmeDidFallback),
            [
                new Site("hq", "HQ", Congress, Downtown),
                new Site("remote", "Remote office", new CivicAddress { Country = "US", A1 = "TX", A3 = "Marfa", HNO = "1", RD = "Main", STS = "St", PC = "79843" }),
                new Site("far", "Far office", new CivicAddress { Country = "US", A1 = "NY", A3 = "New York", HNO = "1", RD = "Broadway" }, new GeoPoint(40.7, -74.0)),
            ],
            [
                new DispatchableLocation("hq-3", "hq", Floor: "3"),
                new DispatchableLocation("hq-2", "hq", Floor: "2", Elins: ["+15125550900", "+15125550901"]),
                new DispatchableLocation("hq-4", "hq", Floor: "4", CallbackNumber: "+15125550444"),
                new DispatchableLocation("remote-1", "remote", Room: "1"),
                new DispatchableLocation("far-1", "far", Floor: "1"),
            ],
            [
                new NetworkElement(ElementKind.DeviceMac, "00:04:f2:15:c2:85", LocationId: "hq-3"),
                new NetworkElement(ElementKind.Subnet, "192.168.2.0/24", LocationId: "hq-2"),
                new NetworkElement(ElementKind.Subnet, "10.99.0.0/16", OffPremises: true),
                new NetworkElement(ElementKind.PublicIp, "203.0.113.0/24", SiteId: "hq"),
            ],
            [
                new DidAssignment("+15125550100", "hq-3"),
                new DidAssignment("+15125550111", "remote-1", HeldCapable: false),
                new DidAssignment("+15125550122", "hq-4", CallbackNumber: "+15125550177"),
                new DidAssignment("+15125550133", "hq-4"),
                new DidAssignment("+15125550144", "far-1", HeldCapable: false),
                new DidAssignment("+15125550155", "hq-2", HeldCapable: false),
            ],
            [
                new Requester("pbx", KeyHash(AcmeKey)),
                // Authenticates HELD third-party requests by address; never a routing caller.
                new Requester("lan", SourceCidrs: ["127.0.0.0/8", "::1/128"]),
            ]);
        var other = new TenantWiremap(new Tenant("other", "Other"), [new Site("o", "O", Congress, Downtown)], [new DispatchableLocation("o-1", "o")], [], [],
            [new Requester("other-pbx", KeyHash(OtherKey))]);
        Wiremap.Swap(WiremapIndex.Build([acme, other], 1));
        Acme = Wiremap.Current.TryGetTenant("acme", out var a) ? a : throw new InvalidOperationException();
        Other = Wiremap.Current.TryGetTenant("other", out var o) ? o : throw new InvalidOperationException();

        var county = PsapBoundaryImport.FromWkt("travis", null, "Travis County 9-1-1", "sip:travis@esinet.example",
            "POLYGON((-98.2 30.0, -97.3 30.0, -97.3 30.6, -98.2 30.6, -98.2 30.0))");
        var city = PsapBoundaryImport.FromWkt("austin", null, "Austin 9-1-1", "sip:austin@esinet.example",
            "POLYGON((-97.8 30.2, -97.7 30.2, -97.7 30.3, -97.8 30.3, -97.8 30.2))");
        Boundaries.Swap(PsapBoundaryIndex.Build([.. county.Boundaries, .. city.Boundaries], 1));

        Options = new RoutingOptions
        {
            RelayCenter = new RouteTarget { Uri = "sip:ecrc@relay.example", Name = "Emergency Call Relay Center" },
            TestService = new RouteTarget { Uri = "sip:933@test.example", Name = "933 Test Service" },
            CallbackWindowMinutes = 60,
        };
        Records = new FakeCallRecordSink(Elins);
        Router = NewRouter(new ElinWindow());
    }

    /// <summary>A router over the same wiremap, boundaries and stores with its own ELIN window (another node, or this one after a restart).</summary>
    public CallRouter NewRouter(ElinWindow window)
    {
        Window = window;
        return new CallRouter(Wiremap, Endpoints, Boundaries, Tokens, window, Elins, Records, Alerts, new FakePidfLoRenderer(),
            new StaticRoutingOptions(Options), Time, Telemetry, NullLogger<CallRouter>.Instance);
    }

    public WiremapIndexHolder Wiremap { get; } = new();
    public LocationServer.Core.Endpoints.EndpointDirectoryHolder Endpoints { get; } = new();
    public RoutingTelemetry Telemetry { get; } = new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
    public PsapBoundaryIndexHolder Boundaries { get; } = new();
    public FakeTokenResolver Tokens { get; } = new();
    public InMemoryElinAssignmentStore Elins { get; } = new();
    public FakeCallRecordSink Records { get; }
    public ElinWindow Window { get; private set; } = null!;
    public FakeAlertSink Alerts { get; } = new();
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    public RoutingOptions Options { get; }
    public TenantIndex Acme { get; }
    public TenantIndex Other { get; }
    public CallRouter Router { get; }

    public ResolvedLocation Location(string id) => Acme.FindLocation(id)!;
}

internal sealed class StaticRoutingOptions(RoutingOptions value) : IOptionsMonitor<RoutingOptions>
{
    public RoutingOptions CurrentValue => value;

    public RoutingOptions Get(string? name) => value;

    public IDisposable? OnChange(Action<RoutingOptions, string?> listener) => null;
}
