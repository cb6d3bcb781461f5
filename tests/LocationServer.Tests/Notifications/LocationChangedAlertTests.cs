using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.AdminAccounts;
using LocationServer.Tests.Infrastructure;
using LocationServer.Tests.Scale;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Notifications;

/// <summary>
/// The location-changed alert on the demo: a phone that called 911 by its location URI and is then located elsewhere
/// during the callback window reaches the desk once by e-mail (a real SMTP server) and on the live feed, naming the
/// old and new place; the same place, or a change after the window, raises nothing; a wiremap change that moves the
/// phone's subnet raises it too.
/// </summary>
public sealed class LocationChangedAlertTests : IAsyncLifetime
{
    private const string Desk = "security-desk@example.com";
    private const string Phone = Cluster.HqPhoneIp;

    // The phone re-plugged into the annex switch (LLDP chassis ifName "annex-sw2"), keeping its address.
    private const string Replugged = """
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <locationType exact="false">civic locationURI</locationType>
          <measurements xmlns="urn:ietf:params:xml:ns:geopriv:lm">
            <lldp xmlns="urn:ietf:params:xml:ns:geopriv:lm:lldp"><chassis type="6">616e6e65782d737732</chassis><port type="5">4769312f302f31</port></lldp>
          </measurements>
        </locationRequest>
        """;

    private readonly LocationServerFactory _factory = new();
    private readonly SmtpSink _smtp = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync() => _client = await _smtp.StartForAsync(_factory);

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task LocationChanged_PhoneRepluggedElsewhereDuringWindowAndPolledAgain_OneEmailAndOneFeedEventNamingBothPlaces()
    {
        var (added, answer) = await AdminApi.SendAsync(_client, null, HttpMethod.Post, "/admin/tenants/demo/alert-targets", $"{{\"url\":\"mailto:{Desk}\",\"kinds\":[\"location-changed\"]}}");
        Assert.True(added == HttpStatusCode.OK, answer);
        await using var feed = await Feed.OpenAsync(_client);
        var call = await CallFromPhoneAsync();
        Assert.Equal("emergency-call", (await feed.NextAsync()).EventType);

        // A phone polling from its new place: one change, however often it asks.
        for (var i = 0; i < 3; i++) Assert.Equal("annex-2", await AskAsync(Replugged));

        var moved = await feed.NextAsync();
        Assert.Equal("location-changed", moved.EventType);
        var json = JsonDocument.Parse(moved.Data).RootElement;
        Assert.Equal(call.CallRecordId, json.GetProperty("callRecordId").GetString());
        Assert.Equal("alice", json.GetProperty("callerName").GetString());
        Assert.Equal(call.Location!.Id, json.GetProperty("previousLocationId").GetString());
        Assert.Equal(call.Location.Display, json.GetProperty("previousAddress").GetString());
        Assert.Equal("annex-2", json.GetProperty("locationId").GetString());
        Assert.Contains("Floor 2", json.GetProperty("address").GetString(), StringComparison.Ordinal);
        Assert.Equal("held", json.GetProperty("cause").GetString());
        Assert.Equal(_factory.Time.GetUtcNow(), json.GetProperty("at").GetDateTimeOffset());

        // The next alert the desk sees is the marker test call: no second location-changed in between.
        await RouteAsync("933", null);
        Assert.Equal("test-call", (await feed.NextAsync()).EventType);

        var message = Assert.Single(await _smtp.MessagesAsync(1));
        Assert.Equal(Desk, message.To.Mailboxes.Single().Address);
        Assert.StartsWith("Location changed after a 911 call: alice now at ", message.Subject, StringComparison.Ordinal);
        Assert.Contains("Location before: " + call.Location.Display, message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Floor 2", message.TextBody, StringComparison.Ordinal);
        Assert.Contains(call.CallRecordId, message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocationChanged_SamePlaceAgain_NoAlert()
    {
        await using var feed = await Feed.OpenAsync(_client);
        var call = await CallFromPhoneAsync();
        Assert.Equal("emergency-call", (await feed.NextAsync()).EventType);

        for (var i = 0; i < 3; i++) Assert.Equal(call.Location!.Id, await AskAsync(Cluster.ByValueRequest));

        await RouteAsync("933", null);
        Assert.Equal("test-call", (await feed.NextAsync()).EventType);
    }

    [Fact]
    public async Task LocationChanged_AfterTheCallbackWindow_NoAlert()
    {
        await using var feed = await Feed.OpenAsync(_client);
        await CallFromPhoneAsync();
        Assert.Equal("emergency-call", (await feed.NextAsync()).EventType);

        // Routing:CallbackWindowMinutes, 60 by default (no policy of the demo sets callbackWindowMinutes).
        _factory.Time.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal("annex-2", await AskAsync(Replugged));

        await RouteAsync("933", null);
        Assert.Equal("test-call", (await feed.NextAsync()).EventType);
    }

    [Fact]
    public async Task LocationChanged_WiremapChangeMovesThePhonesFloor_AlertCausedByWiremap()
    {
        await using var feed = await Feed.OpenAsync(_client);
        var call = await CallFromPhoneAsync();
        Assert.Equal("emergency-call", (await feed.NextAsync()).EventType);

        using (var response = await Cluster.PutWiremapAsync(_client, Cluster.ChangedDemo()))
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

        var moved = await feed.NextAsync();
        Assert.Equal("location-changed", moved.EventType);
        var json = JsonDocument.Parse(moved.Data).RootElement;
        Assert.Equal(call.CallRecordId, json.GetProperty("callRecordId").GetString());
        Assert.Equal("wiremap", json.GetProperty("cause").GetString());
        Assert.Equal(call.Location!.Display, json.GetProperty("previousAddress").GetString());
        Assert.Contains("Floor " + Cluster.ChangedFloor, json.GetProperty("address").GetString(), StringComparison.Ordinal);

        // The phone's next request from its (unchanged) subnet finds the place already alerted.
        await AskAsync(Cluster.ByValueRequest);
        await RouteAsync("933", null);
        Assert.Equal("test-call", (await feed.NextAsync()).EventType);
    }

    /// <summary>The phone asks for its location URI, then calls 911 with it as alice's DID.</summary>
    private async Task<CallRouting> CallFromPhoneAsync()
    {
        var (response, document, body) = await _client.PostHeldAsync(Cluster.ByReferenceRequest, Phone);
        using (response) Assert.True(document.LocationUri() is not null, body);
        var routed = await RouteAsync("911", document.LocationUri());
        Assert.Equal(LocationSourceKind.Token, routed.Source);
        return routed;
    }

    private async Task<CallRouting> RouteAsync(string dialed, string? reference)
    {
        using var scope = _factory.Services.CreateScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
            new EmergencyCallRequest { Tenant = "demo", Dialed = dialed, CallingNumber = "+15125550100", LocationReference = reference }, CancellationToken.None);
        return outcome.Value ?? throw new InvalidOperationException(outcome.Detail);
    }

    /// <summary>The phone's HELD request by value; answers the location id the PIDF-LO's civic address belongs to (by its floor).</summary>
    private async Task<string> AskAsync(string request)
    {
        var (response, document, body) = await _client.PostHeldAsync(request, Phone);
        using (response)
        {
            Assert.True(document is not null && document.ErrorCode() is null, body);
            return document.Civic("FLR") switch
            {
                "2" => "annex-2",
                _ => "hq-3-west",
            };
        }
    }

    /// <summary>The live feed of the demo tenant, past its <c>ready</c> event.</summary>
    internal sealed class Feed : IAsyncDisposable
    {
        private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(90));
        private HttpResponseMessage _response = null!;
        private IAsyncEnumerator<SseItem<string>> _events = null!;

        public static async Task<Feed> OpenAsync(HttpClient client)
        {
            var feed = new Feed();
            feed._response = await client.GetAsync("/admin/tenants/demo/alerts/live", HttpCompletionOption.ResponseHeadersRead, feed._timeout.Token);
            Assert.Equal(HttpStatusCode.OK, feed._response.StatusCode);
            feed._events = SseParser.Create(await feed._response.Content.ReadAsStreamAsync(feed._timeout.Token)).EnumerateAsync(feed._timeout.Token).GetAsyncEnumerator(feed._timeout.Token);
            Assert.True(await feed._events.MoveNextAsync());
            Assert.Equal("ready", feed._events.Current.EventType);
            return feed;
        }

        public async Task<SseItem<string>> NextAsync()
        {
            while (await _events.MoveNextAsync())
                if (_events.Current.EventType != "keep-alive") return _events.Current;
            throw new InvalidOperationException("The feed ended.");
        }

        /// <summary>
        /// The data of the next <paramref name="eventType"/> event of call <paramref name="callRecordId"/> before
        /// <paramref name="within"/> ends, or null; other events are skipped (replicas share the Redis channel).
        /// </summary>
        public async Task<string?> TryNextOfCallAsync(string callRecordId, string eventType, CancellationToken within)
        {
            _pending ??= _events.MoveNextAsync().AsTask();
            while (true)
            {
                var done = await Task.WhenAny(_pending, Task.Delay(Timeout.Infinite, within)).ConfigureAwait(false);
                if (done != _pending) return null;
                var more = await _pending;
                _pending = null;
                if (!more) throw new InvalidOperationException("The feed ended.");
                var item = _events.Current;
                _pending = _events.MoveNextAsync().AsTask();
                if (item.EventType == eventType && item.Data.Contains(callRecordId, StringComparison.Ordinal)) return item.Data;
            }
        }

        private Task<bool>? _pending;

        public async ValueTask DisposeAsync()
        {
            await _timeout.CancelAsync();
            if (_pending is not null) await Task.WhenAny(_pending);
            await _events.DisposeAsync();
            _response.Dispose();
            _timeout.Dispose();
        }
    }
}
