using LocationServer.Data.Storage;
using LocationServer.HeldHttp;
using LocationServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Held;

/// <summary>The per-source limits on state that unauthenticated HELD requests create (Held:Limits).</summary>
public sealed class HeldLimitTests : IAsyncLifetime
{
    private readonly LocationServerFactory _factory = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _factory.Settings["Held:Limits:UserAddressesPerMinute"] = "3";
        _factory.Settings["Held:Limits:UnknownNetworkRequestsPerMinute"] = "5";
        _factory.Settings["Held:Limits:UnknownNetworkFlushMilliseconds"] = "100";
        _client = _factory.CreateClient();
        await _client.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    private static string SoftClient(string device, string gatewayMac, bool withAddress) => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>{device}</mac></device>
          <gatewayMac xmlns="urn:locationserver:held:ext">{gatewayMac}</gatewayMac>
          {(withAddress ? Address : "")}
        </locationRequest>
        """;

    private const string Address = """
        <userProvidedLocation xmlns="urn:locationserver:held:ext">
          <civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr">
            <country>US</country><A1>TX</A1><A3>Austin</A3><RD>Elm</RD><STS>St</STS><HNO>42</HNO><PC>78704</PC>
          </civicAddress>
        </userProvidedLocation>
        """;

    private static string Mac(int i) => "3c-22-fb-02-" + (i / 256).ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + "-" + (i % 256).ToString("x2", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task UserProvidedLocation_PastThePerSourceLimit_GeneralLisErrorAndNotStored()
    {
        var answers = new List<string?>();
        for (var i = 0; i < 6; i++)
        {
            var (_, doc, _) = await _client.PostHeldAsync(SoftClient(Mac(i), "f0-9f-c2-02-00-01", withAddress: true), "203.0.113.50");
            answers.Add(doc.ErrorCode());
        }
        Assert.Equal([null, null, null, "generalLisError", "generalLisError", "generalLisError"], answers);
        var (_, refused, body) = await _client.PostHeldAsync(SoftClient(Mac(9), "f0-9f-c2-02-00-01", withAddress: true), "203.0.113.50");
        Assert.Equal("generalLisError", refused.ErrorCode());
        Assert.Contains("Too many addresses", body, StringComparison.Ordinal);

        var store = _factory.Services.GetRequiredService<WiremapStore>();
        Assert.NotNull(await store.FindNomadicAsync("demo", "mac:" + Mac(2), "gw:f0-9f-c2-02-00-01"));
        Assert.Null(await store.FindNomadicAsync("demo", "mac:" + Mac(3), "gw:f0-9f-c2-02-00-01"));

        // Another source has its own allowance.
        var (_, other, _) = await _client.PostHeldAsync(SoftClient(Mac(20), "f0-9f-c2-02-00-01", withAddress: true), "203.0.113.51");
        Assert.Null(other.ErrorCode());
    }

    [Fact]
    public async Task UnknownNetwork_PastThePerSourceLimit_GeneralLisErrorAndNotCounted()
    {
        var answers = new List<string?>();
        for (var i = 0; i < 8; i++)
        {
            var (_, doc, _) = await _client.PostHeldAsync(SoftClient(Mac(100 + i), "f0-9f-c2-02-00-02", withAddress: false), "2001:db8:1:2::10");
            answers.Add(doc.ErrorCode());
        }
        Assert.Equal(["locationUnknown", "locationUnknown", "locationUnknown", "locationUnknown", "locationUnknown", "generalLisError", "generalLisError", "generalLisError"], answers);

        // The same /64 shares the allowance; another /64 does not.
        var (_, sameNet, _) = await _client.PostHeldAsync(SoftClient(Mac(200), "f0-9f-c2-02-00-02", withAddress: false), "2001:db8:1:2::99");
        Assert.Equal("generalLisError", sameNet.ErrorCode());
        var (_, otherNet, _) = await _client.PostHeldAsync(SoftClient(Mac(201), "f0-9f-c2-02-00-02", withAddress: false), "2001:db8:1:3::10");
        Assert.Equal("locationUnknown", otherNet.ErrorCode());

        var store = _factory.Services.GetRequiredService<WiremapStore>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        IReadOnlyList<UnknownNetworkEvent> events;
        do
        {
            await Task.Delay(50);
            events = await store.ListUnknownNetworkEventsAsync("demo", DateTime.MinValue, 10);
        }
        while (events.Sum(e => e.RequestCount) < 6 && DateTime.UtcNow < deadline);
        Assert.Equal(6, Assert.Single(events).RequestCount);
    }

    [Fact]
    public void PartitionKey_Ipv6_CountsByPrefix()
    {
        Assert.Equal("2001:db8:1:2::/64", HeldSourceLimiter.PartitionKey(System.Net.IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
        Assert.Equal("203.0.113.9", HeldSourceLimiter.PartitionKey(System.Net.IPAddress.Parse("::ffff:203.0.113.9")));
    }
}
