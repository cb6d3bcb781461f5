using System.Net;
using System.Text.Json;
using LocationServer.Data.Storage;
using LocationServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.AdminAccounts;

/// <summary>
/// What the security desk sees and an administrator acts on: unknown networks (and adopting one), user-entered
/// addresses (and removing one), the alert delivery log. The whole host on SQLite with real HELD requests.
/// </summary>
public sealed class OperationsViewTests : IAsyncLifetime
{
    private const string Gateway = "f0-9f-c2-00-07-01";
    private readonly LocationServerFactory _factory = new();
    private HttpClient _client = null!;
    private WebhookReceiver _receiver = null!;
    private string _desk = "";
    private string _admin = "";

    public async Task InitializeAsync()
    {
        _factory.Settings["Routing:Alerts:AllowPrivateTargets"] = "true";
        _factory.Settings["Held:Limits:UnknownNetworkFlushMilliseconds"] = "100";
        _receiver = await WebhookReceiver.StartAsync((_, _, _) => Task.FromResult(Results.Ok()));
        _client = _factory.CreateClient();
        await _client.WaitReadyAsync();
        _desk = await AdminApi.CreateKeyAsync(_client, null, """{"role":"securityDesk","tenant":"demo"}""");
        _admin = await AdminApi.CreateKeyAsync(_client, null, """{"role":"tenantAdmin","tenant":"demo"}""");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private static string SoftClient(string device, string? civic = null) => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>{device}</mac></device>
          <gatewayMac xmlns="urn:locationserver:held:ext">{Gateway}</gatewayMac>
          {civic}
        </locationRequest>
        """;

    private async Task<JsonElement[]> EventuallyListedAsync(string path, Func<JsonElement[], bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var (status, body) = await AdminApi.GetAsync(_client, _desk, path);
            Assert.True(status == HttpStatusCode.OK, body);
            var items = JsonDocument.Parse(body).RootElement.EnumerateArray().ToArray();
            if (done(items) || DateTime.UtcNow > deadline) return items;
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task UnknownNetwork_ListedWithDevicesAndCount_ThenAdoptedAndLocated()
    {
        for (var i = 0; i < 3; i++)
        {
            var (_, doc, _) = await _client.PostHeldAsync(SoftClient($"3c-22-fb-00-07-0{i % 2}"), "203.0.113.70");
            Assert.Equal("locationUnknown", doc!.ErrorCode());
        }
        var networks = await EventuallyListedAsync("/admin/tenants/demo/unknown-networks", items => items.Any(n => n.GetProperty("count").GetInt32() >= 3));
        var network = Assert.Single(networks, n => n.GetProperty("network").GetString() == "gw:" + Gateway);
        Assert.Equal(3, network.GetProperty("count").GetInt32());
        Assert.Contains("mac:3c-22-fb-00-07-00", network.GetProperty("devices").EnumerateArray().Select(d => d.GetString()));
        Assert.True(network.GetProperty("lastSeen").GetDateTime() >= network.GetProperty("firstSeen").GetDateTime());
        Assert.Equal("GatewayMac", network.GetProperty("adopt").GetProperty("kind").GetString());

        // The security desk watches; adopting changes the wiremap, which is the tenant admin's (or the site's manager's).
        var adopt = $$"""{"network":"gw:{{Gateway}}","locationId":"annex-2"}""";
        Assert.Equal(HttpStatusCode.Forbidden, (await AdminApi.SendAsync(_client, _desk, HttpMethod.Post, "/admin/tenants/demo/unknown-networks/adopt", adopt)).Status);
        var (adopted, body) = await AdminApi.SendAsync(_client, _admin, HttpMethod.Post, "/admin/tenants/demo/unknown-networks/adopt", adopt);
        Assert.True(adopted == HttpStatusCode.Created, body);
        var (_, located, _) = await _client.PostHeldAsync(SoftClient("3c-22-fb-00-07-09"), "203.0.113.70");
        Assert.Null(located!.ErrorCode());
        Assert.Equal("2", located.Civic("FLR"));
        Assert.Equal(HttpStatusCode.Conflict, (await AdminApi.SendAsync(_client, _admin, HttpMethod.Post, "/admin/tenants/demo/unknown-networks/adopt", adopt)).Status);

        var (_, audit) = await AdminApi.GetAsync(_client, _admin, "/admin/tenants/demo/audit?kind=network.adopt");
        var entry = JsonDocument.Parse(audit).RootElement.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("status").GetInt32() == 201);
        Assert.Equal("gw:" + Gateway, entry.GetProperty("objectId").GetString());
        Assert.Equal("annex-2", entry.GetProperty("after").GetProperty("locationId").GetString());
    }

    [Theory]
    [InlineData("net:4:cb007100/24", "PublicIp", "203.0.113.0/24")]
    [InlineData("net:4:afa0100/24", "Subnet", "10.250.1.0/24")]
    [InlineData("ap:00-11-22-33-44-55", "Bssid", "00-11-22-33-44-55")]
    public async Task Adopt_EachNetworkKind_AddsTheMatchingElement(string network, string kind, string value)
    {
        var (status, body) = await AdminApi.SendAsync(_client, _admin, HttpMethod.Post, "/admin/tenants/demo/unknown-networks/adopt", $$"""{"network":"{{network}}","siteId":"lab"}""");
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.Conflict, body);
        if (status == HttpStatusCode.Conflict) return;
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal(kind, answer.GetProperty("kind").GetString());
        Assert.Equal(value, answer.GetProperty("value").GetString(), ignoreCase: true);
    }

    [Fact]
    public async Task Adopt_UnknownLocationOrBadNetwork_ProblemNamingTheField()
    {
        var (status, body) = await AdminApi.SendAsync(_client, _admin, HttpMethod.Post, "/admin/tenants/demo/unknown-networks/adopt", """{"network":"gw:f0-9f-c2-00-07-02","locationId":"nowhere"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("/locationId", body, StringComparison.Ordinal);
        (status, body) = await AdminApi.SendAsync(_client, _admin, HttpMethod.Post, "/admin/tenants/demo/unknown-networks/adopt", """{"network":"somewhere","siteId":"hq"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("/network", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NomadicAddress_ListedThenRemoved_IsAskedForAgain()
    {
        const string device = "3c-22-fb-00-07-20";
        const string home = """
            <userProvidedLocation xmlns="urn:locationserver:held:ext">
              <civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr">
                <country>US</country><A1>TX</A1><A3>Austin</A3><RD>Elm</RD><STS>St</STS><HNO>42</HNO><PC>78704</PC>
              </civicAddress>
            </userProvidedLocation>
            """;
        var (_, submitted, _) = await _client.PostHeldAsync(SoftClient(device, home), "203.0.113.71");
        Assert.Equal("Elm", submitted!.Civic("RD"));

        var listed = await EventuallyListedAsync("/admin/tenants/demo/nomadic-addresses", items => items.Length > 0);
        var entry = Assert.Single(listed);
        Assert.Equal("mac:" + device, entry.GetProperty("device").GetString());
        Assert.Equal("gw:" + Gateway, entry.GetProperty("network").GetString());
        Assert.Equal("Elm", entry.GetProperty("address").GetProperty("RD").GetString());

        var remove = $"/admin/tenants/demo/nomadic-addresses?device=mac:{device}&network=gw:{Gateway}";
        Assert.Equal(HttpStatusCode.Forbidden, (await AdminApi.SendAsync(_client, _desk, HttpMethod.Delete, remove)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await AdminApi.SendAsync(_client, _admin, HttpMethod.Delete, remove)).Status);
        Assert.Empty(await EventuallyListedAsync("/admin/tenants/demo/nomadic-addresses", items => items.Length == 0));
        var (_, again, _) = await _client.PostHeldAsync(SoftClient(device), "203.0.113.71");
        Assert.Equal("locationUnknown", again!.ErrorCode());
    }

    [Fact]
    public async Task AlertDeliveryLog_AfterAnUnknownNetworkAlert_ShowsTheDelivery()
    {
        var (added, body) = await AdminApi.SendAsync(_client, _admin, HttpMethod.Post, "/admin/tenants/demo/alert-targets", $$"""{"url":"{{_receiver.Url("desk")}}","kinds":["UnknownNetwork"]}""");
        Assert.True(added == HttpStatusCode.OK, body);
        await _client.PostHeldAsync(SoftClient("3c-22-fb-00-07-30").Replace(Gateway, "f0-9f-c2-00-07-30", StringComparison.Ordinal), "203.0.113.72");

        var deliveries = await EventuallyListedAsync("/admin/tenants/demo/alert-deliveries?status=delivered", items => items.Length > 0);
        var delivery = Assert.Single(deliveries);
        Assert.Equal("delivered", delivery.GetProperty("status").GetString());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await AdminApi.GetAsync(_client, _desk, "/admin/tenants/demo/alert-deliveries?status=lost")).Status);
        Assert.NotNull(_factory.Services.GetRequiredService<WiremapStore>());
    }
}
