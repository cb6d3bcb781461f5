using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Xml.Linq;
using LocationServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace LocationServer.Tests.Telemetry;

/// <summary>
/// The host's OpenTelemetry wiring, captured with the in-memory exporters: ASP.NET Core server spans, the service's
/// own counters, and HttpClient client spans for webhook deliveries (to a real receiver on a loopback port).
/// Listeners are process-wide (every host's "LocationServer" meter and ASP.NET Core source reach them), so these tests
/// run alone and pick their spans by trace id or target address.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests : IAsyncLifetime
{
    private const string HeldRequests = "locationserver.held.requests";

    private readonly LocationServerFactory _factory = new();
    private readonly Captured<Activity> _spans = new();
    private readonly Captured<MetricSnapshot> _metrics = new();
    private WebApplicationFactory<Program> _host = null!;
    private WebhookReceiver _receiver = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync((_, _, _) => Task.FromResult(Results.Ok()));
        // The desk's receiver runs on loopback, which webhook targets may reach only when allowed.
        _factory.Settings["Routing:Alerts:AllowPrivateTargets"] = "true";
        _host = _factory.WithWebHostBuilder(builder => builder.ConfigureServices(services => services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddInMemoryExporter(_spans))
            .WithMetrics(metrics => metrics.AddInMemoryExporter(_metrics))));
        _client = _host.CreateClient();
        await _client.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        await _factory.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private long HeldCount(string outcome)
    {
        Assert.True(_host.Services.GetRequiredService<MeterProvider>().ForceFlush(5000));
        var latest = _metrics.Snapshot().LastOrDefault(m => m.Name == HeldRequests);
        if (latest is null) return 0;
        long sum = 0;
        foreach (var point in latest.MetricPoints)
        {
            foreach (var tag in point.Tags)
                if (tag.Key == "outcome" && Equals(tag.Value, outcome)) sum += point.GetSumLong();
        }
        return sum;
    }

    /// <summary>The first exported span that matches; spans are exported when they end, which may follow the response.</summary>
    private async Task<Activity> SpanAsync(Func<Activity, bool> match)
    {
        for (var i = 0; i < 200; i++)
        {
            if (_spans.Snapshot().FirstOrDefault(match) is { } span) return span;
            await Task.Delay(50);
        }
        throw new TimeoutException("no matching span was exported within 10 s");
    }

    [Fact]
    public async Task HeldRequest_Located_ServerSpanWithRouteAndStatusAndCounterMoves()
    {
        var before = HeldCount("located");

        var trace = ActivityTraceId.CreateRandom();
        using var request = HeldClient.Request("/held", HeldClient.EmptyRequest, "10.1.3.44");
        request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(XDocument.Parse(await response.Content.ReadAsStringAsync()).ErrorCode());
        Assert.Equal(before + 1, HeldCount("located"));
        var span = await SpanAsync(a => a.Kind == ActivityKind.Server && a.TraceId == trace);
        Assert.Single(_spans.Snapshot(), a => a.Kind == ActivityKind.Server && a.TraceId == trace);
        Assert.Equal("/held", span.GetTagItem("url.path"));
        Assert.Equal("POST", span.GetTagItem("http.request.method"));
        Assert.Equal("/held", span.GetTagItem("http.route"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Equal("POST /held", span.DisplayName);
    }

    [Fact]
    public async Task UnknownNetworkAlert_WebhookDelivered_HttpClientSpanForTheDelivery()
    {
        var hook = _receiver.Url("desk");
        using (var content = new StringContent($"{{\"url\":\"{hook}\",\"kinds\":[\"UnknownNetwork\"]}}", Encoding.UTF8, "application/json"))
        using (var added = await _client.PostAsync("/admin/tenants/demo/alert-targets", content))
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        const string softClient = """
            <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
              <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>3c-22-fb-00-00-43</mac></device>
              <gatewayMac xmlns="urn:locationserver:held:ext">f0-9f-c2-00-00-43</gatewayMac>
            </locationRequest>
            """;
        var before = HeldCount("locationUnknown");

        var (_, doc, _) = await _client.PostHeldAsync(softClient, "203.0.113.41");

        Assert.Equal("locationUnknown", doc.ErrorCode());
        Assert.Equal(before + 1, HeldCount("locationUnknown"));
        // The delivery runs in the background: its span is exported when the webhook's answer has been read.
        var delivery = await SpanAsync(a => a.Kind == ActivityKind.Client && (a.GetTagItem("url.full") as string) == hook.ToString());
        Assert.Equal("POST", delivery.GetTagItem("http.request.method"));
        Assert.Equal(200, delivery.GetTagItem("http.response.status_code"));
        Assert.Equal("System.Net.Http", delivery.Source.Name);
        Assert.Single(_receiver.Received, r => r.Path == "desk");
    }

    /// <summary>The cumulative value of <paramref name="metric"/> over the points whose tags include <paramref name="tags"/>: a counter's sum, a histogram's count.</summary>
    private long Total(string metric, params (string Key, string Value)[] tags)
    {
        Assert.True(_host.Services.GetRequiredService<MeterProvider>().ForceFlush(5000));
        var latest = _metrics.Snapshot().LastOrDefault(m => m.Name == metric);
        if (latest is null) return 0;
        long total = 0;
        foreach (var point in latest.MetricPoints)
        {
            var pointTags = new Dictionary<string, object?>();
            foreach (var tag in point.Tags) pointTags[tag.Key] = tag.Value;
            if (!tags.All(t => pointTags.TryGetValue(t.Key, out var v) && Equals(v, t.Value))) continue;
            total += latest.MetricType == MetricType.Histogram ? point.GetHistogramCount() : point.GetSumLong();
        }
        return total;
    }

    [Fact]
    public async Task ServiceMetrics_HeldDereferenceRoutedCallAndImport_EachDocumentedInstrumentMoves()
    {
        var duration = Total("locationserver.held.duration", ("outcome", "located"));
        var dereferences = Total("locationserver.dereferences", ("outcome", "located"));
        var calls = Total("locationserver.routing.calls", ("route", "Psap"), ("source", "Token"));
        var reloads = Total("locationserver.wiremap.reloads");

        var (_, document, body) = await _client.PostHeldAsync(LocationServer.Tests.Scale.Cluster.ByReferenceRequest, "10.1.3.44");
        var uri = document.LocationUri();
        Assert.False(string.IsNullOrEmpty(uri), body);
        var (code, _, pidf, _) = await LocationServer.Tests.Scale.Cluster.DereferenceAsync(_client, uri!);
        Assert.True(code == HttpStatusCode.OK && pidf.ErrorCode() is null);
        using (var scope = _host.Services.CreateScope())
        {
            var routed = await scope.ServiceProvider.GetRequiredService<LocationServer.Routing.CallRouter>().RouteCallAsync(new LocationServer.Routing.EmergencyCallRequest
            {
                Tenant = "demo",
                Dialed = "911",
                CallingNumber = "+15125550144",
                LocationReference = uri,
            }, CancellationToken.None);
            Assert.Equal(LocationServer.Routing.LocationSourceKind.Token, routed.Value!.Source);
        }
        var holder = _host.Services.GetRequiredService<LocationServer.Core.Matching.WiremapIndexHolder>();
        var version = holder.Current.Version;
        using (var content = new StringContent(LocationServer.Data.Wiremap.WiremapJson.WriteToString(LocationServer.Tests.Scale.Cluster.ChangedDemo()), Encoding.UTF8, "application/json"))
        using (var imported = await _client.PutAsync("/admin/tenants/demo/wiremap", content))
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        await Poll.UntilAsync(() => holder.Current.Version > version, TimeSpan.FromSeconds(30), "the imported wiremap in the index");

        Assert.Equal(duration + 1, Total("locationserver.held.duration", ("outcome", "located")));
        Assert.Equal(dereferences + 1, Total("locationserver.dereferences", ("outcome", "located")));
        Assert.Equal(calls + 1, Total("locationserver.routing.calls", ("route", "Psap"), ("source", "Token")));
        Assert.True(Total("locationserver.wiremap.reloads") > reloads);
    }

    /// <summary>What an exporter wrote, safe to read while it writes from another thread.</summary>
    private sealed class Captured<T> : Collection<T>
    {
        private readonly Lock _gate = new();

        public IReadOnlyList<T> Snapshot()
        {
            lock (_gate) return [.. Items];
        }

        protected override void InsertItem(int index, T item)
        {
            lock (_gate) base.InsertItem(index, item);
        }
    }
}

/// <summary>Telemetry tests run after the parallel ones, alone: the listeners they install hear every host in the process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}
