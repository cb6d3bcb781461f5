using System.Net;
using System.Text;
using System.Text.Json;
using LocationServer.Data.Storage;
using LocationServer.Routing.Alerts;
using LocationServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Held;

/// <summary>
/// Unknown-network HELD requests reach the tenant's webhooks: the whole host on SQLite, alert targets added through
/// the admin API, and a real webhook receiver (Kestrel on a random loopback port).
/// </summary>
public sealed class UnknownNetworkAlertTests : IAsyncLifetime
{
    private const string Secret = "desk-secret";
    private const string Device = "3c-22-fb-00-00-42";
    private const string Gateway = "f0-9f-c2-00-00-42";
    private const string Source = "203.0.113.40";
    private const string MarkerPrefix = "f0-9f-c2-ff-ff-";

    private readonly LocationServerFactory _factory = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private int _markers;
    private WebhookReceiver _receiver = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        // The receiver runs on loopback: allowed explicitly. Counts are written every 100 ms rather than 10 s.
        _factory.Settings["Routing:Alerts:AllowPrivateTargets"] = "true";
        _factory.Settings["Held:Limits:UnknownNetworkFlushMilliseconds"] = "100";
        _receiver = await WebhookReceiver.StartAsync((_, _, _) =>
        {
            _arrived.Release();
            return Task.FromResult(Results.Ok());
        });
        _client = _factory.CreateClient();
        await _client.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _receiver.DisposeAsync();
        _arrived.Dispose();
    }

    private static string SoftClient(string gatewayMac, string device = Device) => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>{device}</mac></device>
          <gatewayMac xmlns="urn:locationserver:held:ext">{gatewayMac}</gatewayMac>
        </locationRequest>
        """;

    private async Task AddTargetAsync(string name, string kindsJson, string? secret = null)
    {
        var secretJson = secret is null ? "" : $",\"secret\":\"{secret}\"";
        using var content = new StringContent($"{{\"url\":\"{_receiver.Url(name)}\",\"kinds\":{kindsJson}{secretJson}}}", Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync("/admin/tenants/demo/alert-targets", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task AskFromUnknownNetworkAsync(string gatewayMac = Gateway, string device = Device)
    {
        var (_, doc, _) = await _client.PostHeldAsync(SoftClient(gatewayMac, device), Source);
        Assert.Equal("locationUnknown", doc!.ErrorCode());
    }

    /// <summary>The recorded events (markers left out) once they hold <paramref name="requests"/> requests in <paramref name="records"/> records (or after 10 s).</summary>
    private async Task<IReadOnlyList<UnknownNetworkEvent>> RecordedAsync(int records, int requests)
    {
        var store = _factory.Services.GetRequiredService<WiremapStore>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var events = (await store.ListUnknownNetworkEventsAsync("demo", DateTime.MinValue, 100))
                .Where(e => !e.NetworkFingerprint.StartsWith("gw:" + MarkerPrefix, StringComparison.Ordinal)).ToList();
            if ((events.Count >= records && events.Sum(e => e.RequestCount) >= requests) || DateTime.UtcNow > deadline) return events;
            await Task.Delay(20);
        }
    }

    /// <summary>The webhooks received, markers left out.</summary>
    private List<(string Path, string Body, Dictionary<string, string> Headers)> Delivered() =>
        [.. _receiver.Received.Where(r => !r.Body.Contains(MarkerPrefix, StringComparison.Ordinal))];

    /// <summary>
    /// Waits for <paramref name="count"/> webhooks, then for one more from a network of its own (a marker) that every
    /// target of unknown-network alerts receives: any delivery the requests before it caused was queued ahead of it.
    /// </summary>
    private async Task WaitForWebhooksAsync(int count)
    {
        for (var i = 0; i < count; i++) Assert.True(await _arrived.WaitAsync(TimeSpan.FromSeconds(10)), $"webhook {i + 1} of {count} did not arrive");
        var marker = MarkerPrefix + (++_markers).ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
        await AskFromUnknownNetworkAsync(marker);
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(_receiver.Received.Any(r => r.Body.Contains(marker, StringComparison.Ordinal))), seen => seen, TimeSpan.FromSeconds(10), "the marker webhook"));
        // The marker's own arrival was counted: take it back so the next wait starts from zero.
        Assert.True(await _arrived.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task UnknownNetwork_HeldRequest_DeliversOneSignedAlertWithRecordedEvent()
    {
        await AddTargetAsync("desk", "[\"UnknownNetwork\"]", Secret);
        var asked = _factory.Time.GetUtcNow();

        await AskFromUnknownNetworkAsync();
        await WaitForWebhooksAsync(1);

        var (path, body, headers) = Assert.Single(Delivered());
        Assert.Equal("desk", path);
        var stored = Assert.Single(await RecordedAsync(1, 1));
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("unknown-network", json.GetProperty("event").GetString());
        Assert.Equal("demo", json.GetProperty("tenant").GetString());
        Assert.Equal(asked, json.GetProperty("at").GetDateTimeOffset());
        Assert.Equal("mac:" + Device, json.GetProperty("deviceKey").GetString());
        Assert.Equal("gw:" + Gateway, json.GetProperty("networkFingerprint").GetString());
        Assert.Equal(stored.Id.ToString("N"), json.GetProperty("unknownNetworkEventId").GetString());
        Assert.Equal(32, json.GetProperty("id").GetString()!.Length);
        Assert.Equal(["at", "deviceKey", "event", "id", "networkFingerprint", "tenant", "unknownNetworkEventId"],
            json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("unknown-network", headers[AlertDispatcher.EventHeader]);
        var timestamp = headers[AlertDispatcher.TimestampHeader];
        Assert.Equal(await OpensslHmac.WebhookSignatureAsync(Secret, timestamp, body), headers[AlertDispatcher.SignatureHeader]);
    }

    [Fact]
    public async Task UnknownNetwork_TargetSubscribedToOtherKinds_GetsNone()
    {
        await AddTargetAsync("calls", "[\"EmergencyCall\",\"test-call\",\"RelayCenterCall\"]");
        await AddTargetAsync("desk", "[\"unknown-network\"]");

        await AskFromUnknownNetworkAsync();
        await WaitForWebhooksAsync(1);

        Assert.Equal(["desk"], Delivered().Select(r => r.Path));
    }

    [Fact]
    public async Task UnknownNetwork_RepeatedWithinInterval_AlertedOnceThenAgainAfterInterval()
    {
        await AddTargetAsync("desk", "[]");

        for (var i = 0; i < 3; i++)
        {
            await AskFromUnknownNetworkAsync();
            _factory.Time.Advance(TimeSpan.FromMinutes(20));
        }
        var first = Assert.Single(await RecordedAsync(1, 3));
        Assert.Equal(3, first.RequestCount);
        await WaitForWebhooksAsync(1);
        Assert.Single(Delivered());

        // 60 minutes after the first alert (the default interval), the still-unknown network is alerted again and
        // counted in a new record.
        await AskFromUnknownNetworkAsync();
        var both = await RecordedAsync(2, 4);
        Assert.Equal([1, 3], both.Select(e => e.RequestCount));
        await WaitForWebhooksAsync(1);
        Assert.Equal(2, Delivered().Count);
        Assert.Equal(both[0].Id.ToString("N"), JsonDocument.Parse(Delivered().Last().Body).RootElement.GetProperty("unknownNetworkEventId").GetString());
    }

    [Fact]
    public async Task UnknownNetwork_ManyDevicesOnOneNetwork_OneAlertAndOneCountedRecord()
    {
        await AddTargetAsync("desk", "[]");

        for (var i = 0; i < 50; i++)
            await AskFromUnknownNetworkAsync(device: "3c-22-fb-01-00-" + i.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));

        var record = Assert.Single(await RecordedAsync(1, 50));
        Assert.Equal(50, record.RequestCount);
        Assert.Equal("mac:3c-22-fb-01-00-00", record.DeviceKey);
        await WaitForWebhooksAsync(1);
        Assert.Single(Delivered());
    }

    [Fact]
    public async Task UnknownNetwork_OtherNetworkWithinInterval_AlertedSeparately()
    {
        await AddTargetAsync("desk", "[]");

        await AskFromUnknownNetworkAsync();
        await AskFromUnknownNetworkAsync("f0-9f-c2-00-00-43");
        await WaitForWebhooksAsync(2);

        Assert.Equal(["gw:f0-9f-c2-00-00-42", "gw:f0-9f-c2-00-00-43"],
            Delivered().Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("networkFingerprint").GetString()).Order(StringComparer.Ordinal));
    }
}
