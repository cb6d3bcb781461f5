using System.Net;
using System.Text.Json;
using LocationServer.Data.Storage;
using LocationServer.Routing;
using LocationServer.Routing.Alerts;
using LocationServer.Tests.AdminAccounts;
using LocationServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Notifications;

/// <summary>
/// SMS alerts end to end: the whole host, an <c>sms:</c> target added through the admin API, a 911 call routed by the
/// real router, and a real HTTP gateway (Kestrel on loopback) receiving the documented JSON.
/// </summary>
public sealed class SmsAlertTests : IAsyncLifetime
{
    private const string Guard = "+15125550777";
    private const string GatewaySecret = "Bearer sms-gateway-key";
    private readonly LocationServerFactory _factory = new();
    private WebhookReceiver _gateway = null!;
    private HttpClient _client = null!;

    /// <summary>How the gateway answers the n-th request: 503 for the first <see cref="_failFirst"/>, then 202.</summary>
    private int _failFirst;

    public async Task InitializeAsync()
    {
        _gateway = await WebhookReceiver.StartAsync((_, hit, _) =>
            Task.FromResult(hit <= Volatile.Read(ref _failFirst) ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.StatusCode(StatusCodes.Status202Accepted)));
        _factory.Settings["Routing:Alerts:Sms:Url"] = _gateway.Url("messages").ToString();
        _factory.Settings["Routing:Alerts:Sms:AuthHeader"] = "Authorization";
        _factory.Settings["Routing:Alerts:Sms:Secret"] = GatewaySecret;
        _factory.Settings["Routing:Alerts:Sms:From"] = "+15125550000";
        _factory.Settings["Routing:Alerts:AttemptTimeoutMilliseconds"] = "5000";
        _client = _factory.CreateClient();
        await _client.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task EmergencyCall_SmsTarget_GatewayGetsJsonNamingCallerCallbackRoomAndTime()
    {
        await AddTargetAsync($"sms:{Guard}", "emergency-call");

        var routed = await RouteAsync("+15125550100");

        var received = await Poll.UntilAsync(() => Task.FromResult(_gateway.Received.ToList()), r => r.Count >= 1, TimeSpan.FromSeconds(60), "an SMS at the gateway");
        var (path, body, headers) = Assert.Single(received);
        Assert.Equal("messages", path);
        Assert.Equal(GatewaySecret, headers["Authorization"]);
        Assert.StartsWith("application/json", headers["Content-Type"], StringComparison.Ordinal);
        var sms = JsonDocument.Parse(body).RootElement;
        Assert.Equal(Guard, sms.GetProperty("to").GetString());
        Assert.Equal("+15125550000", sms.GetProperty("from").GetString());
        Assert.Equal("emergency-call", sms.GetProperty("event").GetString());
        Assert.Equal("demo", sms.GetProperty("tenant").GetString());
        Assert.Equal(routed.CallRecordId, sms.GetProperty("callRecordId").GetString());
        var alertId = sms.GetProperty("alertId").GetString();
        Assert.Equal($"{alertId}/", headers["Idempotency-Key"][..(alertId!.Length + 1)]);
        var text = sms.GetProperty("text").GetString()!;
        Assert.StartsWith("911 CALL ", text, StringComparison.Ordinal);
        Assert.Contains("alice +15125550100", text, StringComparison.Ordinal);
        Assert.Contains("callback " + routed.CallbackNumber, text, StringComparison.Ordinal);
        Assert.Contains("Floor 3, Room 301", text, StringComparison.Ordinal);
        Assert.Contains(_factory.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        Assert.Equal("gsm-7", sms.GetProperty("encoding").GetString());
        Assert.Equal(SmsAlertSender.Segments(text), sms.GetProperty("segments").GetInt32());
        Assert.InRange(sms.GetProperty("segments").GetInt32(), 1, 2);
    }

    [Fact]
    public async Task EmergencyCall_GatewayUnavailableTwice_RetriedAndDeliveryLogNamesSmsChannel()
    {
        Volatile.Write(ref _failFirst, 2);
        var target = await AddTargetAsync($"sms:{Guard}", "emergency-call");
        var store = _factory.Services.GetRequiredService<WiremapStore>();

        await RouteAsync("+15125550123");

        // The retries wait for their backoff on the host's clock: move it on until the gateway has accepted one.
        await Poll.UntilAsync(() =>
        {
            if (_gateway.Received.Count < 3) _factory.Time.Advance(TimeSpan.FromSeconds(2));
            return Task.FromResult(_gateway.Received.Count);
        }, n => n >= 3, TimeSpan.FromSeconds(60), "the third attempt at the gateway");
        var deliveries = await Poll.UntilAsync(() => store.ListAlertDeliveriesAsync(target, 10), d => d.Any(x => x.Status == AlertDeliveryStatus.Delivered), TimeSpan.FromSeconds(30), "a delivered SMS");
        Assert.Equal(3, deliveries.Count);
        Assert.Equal(2, deliveries.Count(d => d.LastError == "HTTP 503"));
        Assert.Equal(3, deliveries.Single(d => d.Status == AlertDeliveryStatus.Delivered).Attempts);
        Assert.All(deliveries, d => Assert.Equal("sms", JsonDocument.Parse(d.PayloadJson).RootElement.GetProperty("channel").GetString()));
        Assert.Single(_gateway.Received.Select(r => r.Body).Distinct());
    }

    [Theory]
    [InlineData("{\"url\":\"sms:5125550777\"}", "/url")]
    [InlineData("{\"url\":\"sms:+15125550777,+15125550778\"}", "/url")]
    [InlineData("{\"url\":\"sms:+15125550777\",\"secret\":\"s\"}", "/secret")]
    public async Task AddTarget_BadSmsTarget_RefusedNamingTheField(string json, string field)
    {
        var (status, body) = await AdminApi.SendAsync(_client, null, HttpMethod.Post, "/admin/tenants/demo/alert-targets", json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(field, body, StringComparison.Ordinal);
    }

    private async Task<Guid> AddTargetAsync(string url, string kind)
    {
        var (status, body) = await AdminApi.SendAsync(_client, null, HttpMethod.Post, "/admin/tenants/demo/alert-targets", $"{{\"url\":\"{url}\",\"kinds\":[\"{kind}\"]}}");
        Assert.True(status == HttpStatusCode.OK, body);
        var target = JsonDocument.Parse(body).RootElement;
        Assert.Equal("sms", target.GetProperty("channel").GetString());
        Assert.Equal("tenant", target.GetProperty("scope").GetString());
        return target.GetProperty("id").GetGuid();
    }

    private async Task<CallRouting> RouteAsync(string caller)
    {
        using var scope = _factory.Services.CreateScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
            new EmergencyCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = caller }, CancellationToken.None);
        Assert.Equal(RoutingFailure.None, outcome.Failure);
        return outcome.Value!;
    }
}

/// <summary>The SMS text and its segment count (3GPP TS 23.038 alphabets, TS 23.040 concatenation).</summary>
public sealed class SmsTextTests
{
    private static RoutingAlert Call(string? address, string? caller = "alice") => new()
    {
        Id = "0194a3c2b1e07c3d8e9f0a1b2c3d4e5f",
        Tenant = "demo",
        Event = AlertEvent.EmergencyCall,
        At = new DateTimeOffset(2026, 12, 4, 14, 3, 7, TimeSpan.Zero),
        CallRecordId = "0194a3c2b1e07c3d8e9f0a1b2c3d4e60",
        CallingNumber = "+15125550100",
        CallerName = caller,
        CallbackNumber = "+15125550001",
        Address = address,
        RouteName = "Austin PSAP",
        RouteUri = "sip:psap@example.net",
        Source = LocationSourceKind.Did,
    };

    [Theory]
    [InlineData(160, 1)]
    [InlineData(161, 2)]
    [InlineData(306, 2)]
    [InlineData(307, 3)]
    public void Segments_Gsm7Text_160InOne153PerPart(int length, int segments)
    {
        Assert.Equal(segments, SmsAlertSender.Segments(new string('a', length)));
    }

    [Fact]
    public void Segments_ExtensionCharacters_CountTwice()
    {
        Assert.Equal(1, SmsAlertSender.Segments(new string('a', 158) + "€"));
        Assert.Equal(2, SmsAlertSender.Segments(new string('a', 159) + "€"));
    }

    [Theory]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    public void Segments_TextOutsideGsm7_Ucs2Limits(int length, int segments)
    {
        Assert.False(SmsAlertSender.IsGsm7("Łódź"));
        Assert.Equal(segments, SmsAlertSender.Segments("Ł" + new string('a', length - 1)));
    }

    [Fact]
    public void Text_EmergencyCall_NamesTimeCallerCallbackAndRoom()
    {
        var text = SmsAlertSender.Text(Call("100 Congress Ave, Floor 3, Room 301, Austin, TX 78701"), 2);
        Assert.Equal("911 CALL 14:03:07 UTC 2026-12-04: alice +15125550100, callback +15125550001, at 100 Congress Ave, Floor 3, Room 301, Austin, TX 78701", text);
        Assert.Equal(1, SmsAlertSender.Segments(text));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Text_LongAddress_ShortenedToFitKeepingCallerAndCallback(int segments)
    {
        var address = "100 Congress Ave, Floor 3, Room 301, " + string.Join(", ", Enumerable.Repeat("Building Northeast Wing Corridor", 12));
        var text = SmsAlertSender.Text(Call(address), segments);
        Assert.Equal(segments, SmsAlertSender.Segments(text));
        Assert.EndsWith("...", text, StringComparison.Ordinal);
        Assert.Contains("alice +15125550100, callback +15125550001, at 100 Congress Ave, Floor 3, Room 301", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_NonGsmCallerName_FitsUcs2Segments()
    {
        var text = SmsAlertSender.Text(Call("100 Congress Ave, Floor 3, Room 301, Austin, TX 78701", "Łucja Wąsowska"), 2);
        Assert.False(SmsAlertSender.IsGsm7(text));
        Assert.Equal(2, SmsAlertSender.Segments(text));
        Assert.Contains("Łucja Wąsowska +15125550100, callback +15125550001", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sms:+15125550777", "+15125550777")]
    [InlineData("sms:%2B15125550777", "+15125550777")]
    [InlineData("sms:15125550777", null)]
    [InlineData("sms:+15125550777,+15125550778", null)]
    [InlineData("sms:+15125550777?body=hi", null)]
    [InlineData("mailto:desk@example.com", null)]
    public void Recipient_SmsUri_E164NumberOrNull(string url, string? expected)
    {
        Assert.Equal(expected, SmsAlertSender.Recipient(url));
    }

    [Fact]
    public void SmsOptions_UrlWithoutSenderOrBadSegments_ProblemsNameTheSetting()
    {
        var problems = new SmsOptions { Url = "https://sms.example.com/send", MaxSegments = 3 }.Problems().ToList();
        Assert.Contains(problems, p => p.StartsWith("Routing:Alerts:Sms:From", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Routing:Alerts:Sms:MaxSegments", StringComparison.Ordinal));
        Assert.Contains(new SmsOptions { From = "+15125550000" }.Problems(), p => p.StartsWith("Routing:Alerts:Sms:Url", StringComparison.Ordinal));
        Assert.Contains(new SmsOptions { Url = "ftp://sms.example.com", From = "E911" }.Problems(), p => p.StartsWith("Routing:Alerts:Sms:Url", StringComparison.Ordinal));
        Assert.Empty(new SmsOptions { Url = "https://sms.example.com/send", From = "E911 Desk" }.Problems());
        Assert.Empty(new SmsOptions().Problems());
    }
}
