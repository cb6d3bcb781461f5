using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using LocationServer.Data.Storage;
using LocationServer.Routing.Alerts;
using LocationServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(500);

    private readonly LocationServerFactory _factory = new();
    private readonly SemaphoreSlim _arrived = new(0);
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

    /// <summary>The recorded events once they hold <paramref name="requests"/> requests in <paramref name="records"/> records (or after 10 s).</summary>
    private async Task<IReadOnlyList<UnknownNetworkEvent>> RecordedAsync(int records, int requests)
    {
        var store = _factory.Services.GetRequiredService<WiremapStore>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var events = await store.ListUnknownNetworkEventsAsync("demo", DateTime.MinValue, 100);
            if ((events.Count >= records && events.Sum(e => e.RequestCount) >= requests) || DateTime.UtcNow > deadline) return events;
            await Task.Delay(20);
        }
    }

    private async Task WaitForWebhooksAsync(int count)
    {
        for (var i = 0; i < count; i++) Assert.True(await _arrived.WaitAsync(TimeSpan.FromSeconds(10)), $"webhook {i + 1} of {count} did not arrive");
        // Anything beyond the expected deliveries would arrive about now.
        await Task.Delay(Grace);
    }

    [Fact]
    public async Task UnknownNetwork_HeldRequest_DeliversOneSignedAlertWithRecordedEvent()
    {
        await AddTargetAsync("desk", "[\"UnknownNetwork\"]", Secret);
        var asked = _factory.Time.GetUtcNow();

        await AskFromUnknownNetworkAsync();
        await WaitForWebhooksAsync(1);

        var (path, body, headers) = Assert.Single(_receiver.Received);
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

        Assert.Equal(["desk"], _receiver.Received.Select(r => r.Path));
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
        Assert.Single(_receiver.Received);

        // 60 minutes after the first alert (the default interval), the still-unknown network is alerted again and
        // counted in a new record.
        await AskFromUnknownNetworkAsync();
        var both = await RecordedAsync(2, 4);
        Assert.Equal([1, 3], both.Select(e => e.RequestCount));
        await WaitForWebhooksAsync(1);
        Assert.Equal(2, _receiver.Received.Count);
        Assert.Equal(both[0].Id.ToString("N"), JsonDocument.Parse(_receiver.Received.Last().Body).RootElement.GetProperty("unknownNetworkEventId").GetString());
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
        Assert.Single(_receiver.Received);
    }

    [Fact]
    public async Task UnknownNetwork_OtherNetworkWithinInterval_AlertedSeparately()
    {
        await AddTargetAsync("desk", "[]");

        await AskFromUnknownNetworkAsync();
        await AskFromUnknownNetworkAsync("f0-9f-c2-00-00-43");
        await WaitForWebhooksAsync(2);

        Assert.Equal(["gw:f0-9f-c2-00-00-42", "gw:f0-9f-c2-00-00-43"],
            _receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("networkFingerprint").GetString()).Order(StringComparer.Ordinal));
    }
}
