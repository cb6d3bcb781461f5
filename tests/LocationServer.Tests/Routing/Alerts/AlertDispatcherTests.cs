using System.Collections.Concurrent;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Routing.Alerts;
using LocationServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LocationServer.Tests.Routing.Alerts;

/// <summary>The alert dispatcher against a real webhook receiver (Kestrel on a random loopback port).</summary>
public sealed class AlertDispatcherTests : IAsyncLifetime
{
    private const string Secret = "s3cret";
    private readonly TaskCompletionSource _hookHit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync(async (name, hit, context) =>
    {
        switch (name)
        {
            case "hook":
                _hookHit.TrySetResult();
                return Results.Ok();
            case "flaky":
                return hit < 3 ? Results.StatusCode(503) : Results.NoContent();
            case "gone":
                return Results.StatusCode(410);
            case "slow":
                await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
                return Results.Ok();
            case "desk":
                // A desk that takes two seconds per alert, whatever its kind.
                await Task.Delay(TimeSpan.FromSeconds(2), context.RequestAborted);
                return Results.Ok();
            case "redirect":
                return Results.Redirect("/hook");
            default:
                return Results.StatusCode(500);
        }
    });

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static RoutingAlert Alert(string id = "a1") => new()
    {
        Id = id,
        Tenant = "acme",
        Event = AlertEvent.EmergencyCall,
        At = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero),
        CallRecordId = "rec-1",
        CallingNumber = "+15125550100",
        CallbackNumber = "+15125550100",
        LocationId = "hq-3",
        Address = "100 Congress Ave, Floor 3, Austin, TX 78701, US",
        RouteName = "Austin 9-1-1",
        RouteUri = "sip:austin@esinet.example",
        Source = LocationSourceKind.Token,
    };

    private (AlertDispatcher Dispatcher, DeliveryLog Log) Create(
        IReadOnlyList<AlertTarget> targets, int maxAttempts = 3, int capacity = 16, int attemptTimeoutMs = 2000,
        bool allowPrivate = true, int unknownNetworkCapacity = 16, ILogger<AlertDispatcher>? logger = null)
    {
        var collection = new ServiceCollection();
        // The receivers run on loopback, so these tests allow internal targets, except where they test the refusal.
        collection.AddHttpClient(AlertDispatcher.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => WebhookTargetPolicy.CreateHandler(allowPrivate));
        var services = collection.BuildServiceProvider();
        var log = new DeliveryLog();
        var options = Options.Create(new AlertOptions
        {
            QueueCapacity = capacity,
            UnknownNetworkQueueCapacity = unknownNetworkCapacity,
            MaxAttempts = maxAttempts,
            InitialBackoffMilliseconds = 10,
            MaxBackoffMilliseconds = 40,
            AttemptTimeoutMilliseconds = attemptTimeoutMs,
            AllowPrivateTargets = allowPrivate,
        });
        var dispatcher = new AlertDispatcher(services.GetRequiredService<IHttpClientFactory>(), new Targets(targets), log, options, TimeProvider.System, logger ?? NullLogger<AlertDispatcher>.Instance);
        return (dispatcher, log);
    }

    private static UnknownNetworkAlert UnknownNetwork(int i) => new()
    {
        Id = "u" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Tenant = "acme",
        Event = AlertEvent.UnknownNetwork,
        At = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero),
        DeviceKey = "mac:3c-22-fb-00-00-01",
        NetworkFingerprint = "gw:f0-9f-c2-00-00-" + i.ToString("x2", System.Globalization.CultureInfo.InvariantCulture),
    };

    private AlertTarget Target(string name, string? secret = null, IReadOnlySet<AlertEvent>? events = null) => new(name, _receiver.Url(name), secret, events);

    [Fact]
    public async Task Deliver_SignedTarget_PostsJsonWithVerifiableSignature()
    {
        var (dispatcher, log) = Create([Target("hook", Secret)]);
        Assert.True(await dispatcher.DeliverAsync(Alert(), Target("hook", Secret), CancellationToken.None));
        var (_, body, headers) = Assert.Single(_receiver.Received);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("emergency-call", json.RootElement.GetProperty("event").GetString());
        Assert.Equal("rec-1", json.RootElement.GetProperty("callRecordId").GetString());
        Assert.Equal("token", json.RootElement.GetProperty("source").GetString());
        Assert.Equal("emergency-call", headers[AlertDispatcher.EventHeader]);
        var timestamp = headers[AlertDispatcher.TimestampHeader];
        Assert.Equal(await LocationServer.Tests.Infrastructure.OpensslHmac.WebhookSignatureAsync(Secret, timestamp, body), headers[AlertDispatcher.SignatureHeader]);
        var delivery = Assert.Single(log.Deliveries);
        Assert.True(delivery.Succeeded);
        Assert.Equal(1, delivery.Attempt);
    }

    [Fact]
    public async Task OpensslHmac_Rfc4231TestCase2_PublishedValue()
    {
        // RFC 4231 §4.3: the reference the webhook signature checks rest on.
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            await LocationServer.Tests.Infrastructure.OpensslHmac.HexAsync("Jefe", System.Text.Encoding.ASCII.GetBytes("what do ya want for nothing?")));
    }

    [Fact]
    public async Task Deliver_NoSecret_NoSignatureHeader()
    {
        var (dispatcher, _) = Create([]);
        Assert.True(await dispatcher.DeliverAsync(Alert(), Target("hook"), CancellationToken.None));
        Assert.False(Assert.Single(_receiver.Received).Headers.ContainsKey(AlertDispatcher.SignatureHeader));
    }

    [Fact]
    public async Task Deliver_TransientFailures_RetriedUntilSuccess()
    {
        var (dispatcher, log) = Create([], maxAttempts: 4);
        Assert.True(await dispatcher.DeliverAsync(Alert(), Target("flaky"), CancellationToken.None));
        Assert.Equal(3, _receiver.Hits["flaky"]);
        Assert.Equal([false, false, true], log.Deliveries.Select(d => d.Succeeded));
        Assert.Equal([503, 503, 204], log.Deliveries.Select(d => d.HttpStatus));
    }

    [Fact]
    public async Task Deliver_AlwaysFailing_GivesUpAfterMaxAttempts()
    {
        var (dispatcher, log) = Create([], maxAttempts: 3);
        Assert.False(await dispatcher.DeliverAsync(Alert(), Target("broken"), CancellationToken.None));
        Assert.Equal(3, _receiver.Hits["broken"]);
        Assert.Equal([false, false, true], log.Deliveries.Select(d => d.Final));
    }

    [Fact]
    public async Task Deliver_PermanentClientError_NotRetried()
    {
        var (dispatcher, log) = Create([], maxAttempts: 5);
        Assert.False(await dispatcher.DeliverAsync(Alert(), Target("gone"), CancellationToken.None));
        Assert.Equal(1, _receiver.Hits["gone"]);
        Assert.True(Assert.Single(log.Deliveries).Final);
    }

    [Fact]
    public async Task Deliver_UnreachableTarget_LoggedAsConnectionError()
    {
        var (dispatcher, log) = Create([], maxAttempts: 2);
        var dead = new AlertTarget("dead", new Uri("http://127.0.0.1:1/hook"));
        Assert.False(await dispatcher.DeliverAsync(Alert(), dead, CancellationToken.None));
        Assert.Equal(2, log.Deliveries.Count);
        Assert.All(log.Deliveries, d => Assert.Null(d.HttpStatus));
        Assert.All(log.Deliveries, d => Assert.False(string.IsNullOrEmpty(d.Error)));
    }

    [Fact]
    public async Task Dispatcher_SlowAndFailingTargets_DoNotDelayOthers()
    {
        var (dispatcher, _) = Create([Target("slow"), Target("broken"), Target("hook", Secret)], attemptTimeoutMs: 10_000);
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            var started = DateTimeOffset.UtcNow;
            Assert.True(dispatcher.TryEnqueue(Alert()));
            await _hookHit.Task.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(3));
        }
        finally
        {
            await dispatcher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Dispatcher_TargetNotSubscribedToEvent_Skipped()
    {
        var testOnly = new HashSet<AlertEvent> { AlertEvent.TestCall };
        var (dispatcher, _) = Create([Target("broken", events: testOnly), Target("hook")]);
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            dispatcher.TryEnqueue(Alert());
            await _hookHit.Task.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.False(_receiver.Hits.ContainsKey("broken"));
        }
        finally
        {
            await dispatcher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void TryEnqueue_QueueFull_ReturnsFalseWithoutBlocking()
    {
        var (dispatcher, _) = Create([], capacity: 1);
        Assert.True(dispatcher.TryEnqueue(Alert("a1")));
        Assert.False(dispatcher.TryEnqueue(Alert("a2")));
    }

    [Fact]
    public async Task Dispatcher_UnknownNetworkBacklogAtSlowDesk_CallAlertsNotBehindIt()
    {
        // A desk answering in 2 s, 200 unknown-network alerts queued first (as a flood of made-up devices leaves
        // them), then 20 emergency-call alerts: the calls must not wait for the backlog.
        var (dispatcher, _) = Create([Target("desk")], maxAttempts: 1, capacity: 64, unknownNetworkCapacity: 256, attemptTimeoutMs: 10_000);
        for (var i = 0; i < 200; i++) Assert.True(dispatcher.TryEnqueue(UnknownNetwork(i)));
        for (var i = 0; i < 20; i++) Assert.True(dispatcher.TryEnqueue(Alert("call-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (_receiver.Received.Count(r => r.Body.Contains("\"emergency-call\"", StringComparison.Ordinal)) < 20 && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            var order = _receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("event").GetString()).ToList();
            Assert.Equal(20, order.Count(e => e == "emergency-call"));
            var lastCall = order.LastIndexOf("emergency-call");
            var unknownBefore = order.Take(lastCall).Count(e => e == "unknown-network");
            // One queue in arrival order would deliver all 200 first; the separate lane runs 2 at a time meanwhile.
            Assert.True(unknownBefore < 20, $"{unknownBefore} unknown-network alerts reached the desk before the last call alert");
        }
        finally
        {
            await dispatcher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void TryEnqueue_UnknownNetworkQueueFull_CallAlertsStillQueued()
    {
        var (dispatcher, _) = Create([], capacity: 4, unknownNetworkCapacity: 2);
        Assert.True(dispatcher.TryEnqueue(UnknownNetwork(1)));
        Assert.True(dispatcher.TryEnqueue(UnknownNetwork(2)));
        Assert.False(dispatcher.TryEnqueue(UnknownNetwork(3)));
        Assert.True(dispatcher.TryEnqueue(Alert("call")));
        Assert.Equal((0L, 1L), dispatcher.Dropped);
    }

    [Fact]
    public void TryEnqueue_Drops_FirstLoggedAtOnceWithCountThenOncePerInterval()
    {
        var logger = new ListLogger();
        var (dispatcher, _) = Create([], capacity: 1, logger: logger);
        Assert.True(dispatcher.TryEnqueue(Alert("a1")));
        for (var i = 2; i <= 5; i++) Assert.False(dispatcher.TryEnqueue(Alert("a" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        var warning = Assert.Single(logger.Entries);
        Assert.Equal(2305, warning.Id);
        Assert.Contains("1 alerts dropped", warning.Message, StringComparison.Ordinal);
        Assert.Equal((4L, 0L), dispatcher.Dropped);
    }

    [Fact]
    public async Task Deliver_LoopbackTargetWithoutAllowance_RefusedAtConnectAndNotRetried()
    {
        var (dispatcher, log) = Create([], maxAttempts: 3, allowPrivate: false);
        Assert.False(await dispatcher.DeliverAsync(Alert(), Target("hook"), CancellationToken.None));
        Assert.False(_receiver.Hits.ContainsKey("hook"));
        var delivery = Assert.Single(log.Deliveries);
        Assert.True(delivery.Final);
        Assert.Contains("internal addresses", delivery.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deliver_NameResolvingToLoopback_RefusedAtConnect()
    {
        // What a rebinding name does at delivery time: the name passed the configuration check, the address it
        // resolves to now is internal. "localhost" stands in for such a name (it resolves to loopback).
        var (dispatcher, log) = Create([], maxAttempts: 1, allowPrivate: false);
        var target = new AlertTarget("hook", new UriBuilder(_receiver.Url("hook")) { Host = "localhost" }.Uri);
        Assert.False(await dispatcher.DeliverAsync(Alert(), target, CancellationToken.None));
        Assert.False(_receiver.Hits.ContainsKey("hook"));
        Assert.Contains("internal addresses", Assert.Single(log.Deliveries).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deliver_RedirectAnswer_NotFollowed()
    {
        var (dispatcher, log) = Create([], maxAttempts: 3);
        Assert.False(await dispatcher.DeliverAsync(Alert(), Target("redirect"), CancellationToken.None));
        Assert.False(_receiver.Hits.ContainsKey("hook"));
        var delivery = Assert.Single(log.Deliveries);
        Assert.Equal(302, delivery.HttpStatus);
        Assert.True(delivery.Final);
    }

    [Fact]
    public async Task TryEnqueue_AfterStop_RefusedAndLoggedAsStoppingNotAsFull()
    {
        var logger = new ListLogger();
        var (dispatcher, _) = Create([], logger: logger);
        await dispatcher.StartAsync(CancellationToken.None);
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.False(dispatcher.TryEnqueue(Alert()));

        Assert.Equal([6004], logger.Entries.Select(e => e.Id));
    }

    [Fact]
    public void Backoff_Exponential_Capped()
    {
        var (dispatcher, _) = Create([]);
        Assert.Equal([10, 20, 40, 40], Enumerable.Range(1, 4).Select(a => (int)dispatcher.Backoff(a).TotalMilliseconds));
    }

    private sealed class Targets(IReadOnlyList<AlertTarget> targets) : IAlertTargetSource
    {
        public ValueTask<IReadOnlyList<AlertTarget>> GetTargetsAsync(string tenant, CancellationToken cancellationToken) => ValueTask.FromResult(targets);
    }

    private sealed class ListLogger : ILogger<AlertDispatcher>
    {
        public ConcurrentQueue<(int Id, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) Entries.Enqueue((eventId.Id, formatter(state, exception)));
        }
    }

    private sealed class DeliveryLog : IAlertDeliveryLog
    {
        private readonly ConcurrentQueue<AlertDelivery> _deliveries = new();

        public IReadOnlyList<AlertDelivery> Deliveries => [.. _deliveries];

        public Task RecordAsync(AlertDelivery delivery, CancellationToken cancellationToken)
        {
            _deliveries.Enqueue(delivery);
            return Task.CompletedTask;
        }
    }
}
