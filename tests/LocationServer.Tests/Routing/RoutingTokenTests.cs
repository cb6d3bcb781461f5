using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using LocationServer.Core.Wiremap;
using LocationServer.Routing;
using LocationServer.Tests.Infrastructure;
using LocationServer.Tests.Scale;
using LocationServer.Wiremap;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Routing;

/// <summary>
/// Location URIs minted over HELD by the real token service and redeemed by the call router through the real
/// resolver and store, on the host's fake clock: fresh, expired, tampered, another tenant's, and a device whose
/// address now lies in a VPN range. Also key rotation and the configured lifetime.
/// </summary>
public sealed class RoutingTokenTests : IDisposable
{
    private const string HqPhone = "10.1.3.44";
    private const string AnnexStation = "10.2.0.77";
    private readonly LocationServerFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private static async Task<(string Uri, DateTimeOffset Expires)> MintAsync(HttpClient client, string ip = HqPhone)
    {
        var (response, document, body) = await client.PostHeldAsync(Cluster.ByReferenceRequest, ip, path: "/held/" + DemoWiremap.TenantId);
        response.Dispose();
        var uri = document.LocationUri();
        Assert.False(string.IsNullOrEmpty(uri), $"no location URI issued: {body}");
        var expires = (string?)document!.Descendants(HeldClient.Held + "locationUriSet").Single().Attribute("expires");
        return (uri!, DateTimeOffset.Parse(expires!, CultureInfo.InvariantCulture));
    }

    private static async Task<CallRouting> RouteAsync(LocationServerFactory factory, string reference, string tenant = DemoWiremap.TenantId, string? stationIp = AnnexStation)
    {
        using var scope = factory.Services.CreateScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
            new EmergencyCallRequest { Tenant = tenant, Dialed = "911", CallingNumber = "+15125550177", LocationReference = reference, StationIp = stationIp },
            CancellationToken.None);
        return outcome.Value ?? throw new InvalidOperationException($"{outcome.Failure}: {outcome.Detail}");
    }

    private static void AssertFellThroughToStation(CallRouting routing, TokenStatus status)
    {
        Assert.Equal(LocationSourceKind.Station, routing.Source);
        Assert.Equal("annex-2", routing.Location?.Id);
        Assert.Contains("token " + CallRouter.TokenStatusText(status), routing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteCall_RealTokenWithinLifetime_RoutedOnTokenLocation()
    {
        using var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        var (uri, expires) = await MintAsync(client);

        _factory.Time.SetUtcNow(expires.AddSeconds(-1));
        var routing = await RouteAsync(_factory, uri);

        Assert.Equal(LocationSourceKind.Token, routing.Source);
        Assert.Equal("hq-3-west", routing.Location?.Id);
    }

    [Fact]
    public async Task RouteCall_RealTokenPastItsExpiry_FallsThroughToStationAsExpired()
    {
        using var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        var (uri, expires) = await MintAsync(client);

        _factory.Time.SetUtcNow(expires.AddSeconds(1));
        AssertFellThroughToStation(await RouteAsync(_factory, uri), TokenStatus.Expired);
    }

    [Fact]
    public async Task RouteCall_RealTokenTampered_FallsThroughToStationAsForged()
    {
        using var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        var (uri, _) = await MintAsync(client);
        var token = uri[(uri.LastIndexOf('/') + 1)..];
        var middle = token.Length / 2;
        var tampered = uri[..(uri.Length - token.Length)] + token[..middle] + (token[middle] == 'A' ? 'B' : 'A') + token[(middle + 1)..];

        AssertFellThroughToStation(await RouteAsync(_factory, tampered), TokenStatus.Forged);
    }

    [Fact]
    public async Task RouteCall_RealTokenOfAnotherTenant_ForeignTenantAndNeverUsed()
    {
        using var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        var demo = DemoWiremap.Create();
        var other = demo with
        {
            Tenant = demo.Tenant with { Id = "branch", Name = "Branch Co", CompanyUuid = Guid.NewGuid() },
            Elements = [new NetworkElement(ElementKind.Subnet, "10.2.0.0/16", LocationId: "annex-2", Description: "Branch annex")],
            Dids = [],
            Requesters = [],
        };
        using (var imported = await PutWiremapAsync(client, other))
            Assert.True(imported.StatusCode == HttpStatusCode.OK, await imported.Content.ReadAsStringAsync());
        await Poll.UntilAsync(() => _factory.Services.GetRequiredService<LocationServer.Core.Matching.WiremapIndexHolder>().Current.TryGetTenant("branch", out _),
            TimeSpan.FromSeconds(30), "the branch tenant in the index");
        var (demoUri, _) = await MintAsync(client);

        var routing = await RouteAsync(_factory, demoUri, tenant: "branch");

        Assert.Equal(LocationSourceKind.Station, routing.Source);
        Assert.Equal("annex-2", routing.Location?.Id);
        Assert.Contains("token " + CallRouter.TokenStatusText(TokenStatus.ForeignTenant), routing.Reason, StringComparison.Ordinal);
        Assert.Equal(LocationSourceKind.Token, (await RouteAsync(_factory, demoUri)).Source);
    }

    [Fact]
    public async Task GetLocation_RealToken_ResolvedThenExpired()
    {
        using var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        var (uri, expires) = await MintAsync(client);
        using var scope = _factory.Services.CreateScope();
        var router = scope.ServiceProvider.GetRequiredService<CallRouter>();

        var fresh = (await router.GetLocationAsync(DemoWiremap.TenantId, uri, CancellationToken.None)).Value!;
        Assert.Equal(TokenStatus.Resolved, fresh.Status);
        Assert.Equal("hq-3-west", fresh.Location?.Id);

        _factory.Time.SetUtcNow(expires.AddSeconds(1));
        var expired = (await router.GetLocationAsync(DemoWiremap.TenantId, uri, CancellationToken.None)).Value!;
        Assert.Equal(TokenStatus.Expired, expired.Status);
        Assert.Null(expired.Location);
    }

    [Fact]
    public async Task Token_DeviceAddressNowInVpnRange_DereferenceNotLocatableAndCallNotRoutedOnIt()
    {
        using var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        var (uri, _) = await MintAsync(client);

        // The HQ floor 3 voice VLAN becomes part of the remote-access VPN pool: the phone's address is off premises now.
        var demo = DemoWiremap.Create();
        var replanned = demo with
        {
            Elements = [.. demo.Elements.Where(e => e.Value != "10.1.3.0/24"), new NetworkElement(ElementKind.Subnet, "10.1.3.0/24", OffPremises: true, Description: "VPN pool")],
        };
        var before = _factory.Services.GetRequiredService<LocationServer.Core.Matching.WiremapIndexHolder>().Current.Version;
        using (var imported = await PutWiremapAsync(client, replanned))
            Assert.True(imported.StatusCode == HttpStatusCode.OK, await imported.Content.ReadAsStringAsync());
        await Poll.UntilAsync(() => _factory.Services.GetRequiredService<LocationServer.Core.Matching.WiremapIndexHolder>().Current.Version > before,
            TimeSpan.FromSeconds(30), "the replanned wiremap in the index");

        var (code, _, pidf, body) = await Cluster.DereferenceAsync(client, uri);
        Assert.True(pidf.ErrorCode() == "notLocatable", $"dereference answered {(int)code}: {body}");
        var routing = await RouteAsync(_factory, uri);
        Assert.NotEqual(LocationSourceKind.Token, routing.Source);
        Assert.Equal("annex-2", routing.Location?.Id);
    }

    [Fact]
    public async Task Token_SealedUnderPreviousKey_RedeemedOnlyWhereListedInPreviousKeys()
    {
        var oldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var newKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        using var before = new LocationServerFactory();
        before.Settings["Tokens:Key"] = oldKey;
        using var rotated = new LocationServerFactory();
        rotated.Settings["Tokens:Key"] = newKey;
        rotated.Settings["Tokens:PreviousKeys:0"] = oldKey;
        using var rotatedOut = new LocationServerFactory();
        rotatedOut.Settings["Tokens:Key"] = newKey;

        using var beforeClient = before.CreateClient();
        await beforeClient.WaitReadyAsync();
        var (uri, _) = await MintAsync(beforeClient);
        using var rotatedClient = rotated.CreateClient();
        await rotatedClient.WaitReadyAsync();
        using var rotatedOutClient = rotatedOut.CreateClient();
        await rotatedOutClient.WaitReadyAsync();

        var (code, _, pidf, body) = await Cluster.DereferenceAsync(rotatedClient, uri);
        Assert.True(code == HttpStatusCode.OK && pidf.ErrorCode() is null && pidf.Civic("FLR") == "3", $"the rotated service did not redeem a token sealed under its previous key: {(int)code} {body}");
        Assert.Equal(LocationSourceKind.Token, (await RouteAsync(rotated, uri)).Source);

        var (outCode, _, outPidf, outBody) = await Cluster.DereferenceAsync(rotatedOutClient, uri);
        Assert.True(outPidf?.Civic("FLR") is null, $"a service without the old key redeemed its token: {(int)outCode} {outBody}");
        AssertFellThroughToStation(await RouteAsync(rotatedOut, uri), TokenStatus.Forged);

        // New tokens are sealed under the new key: the old service cannot open them.
        var (fresh, _) = await MintAsync(rotatedClient);
        AssertFellThroughToStation(await RouteAsync(before, fresh), TokenStatus.Forged);
    }

    [Theory]
    [InlineData("00:30:00")]
    [InlineData("1.00:00:00")]
    public async Task Token_ConfiguredLifetime_ExpiresAdvertisedAndEnforced(string lifetime)
    {
        using var factory = new LocationServerFactory();
        factory.Settings["Tokens:Lifetime"] = lifetime;
        using var client = factory.CreateClient();
        await client.WaitReadyAsync();
        var issuedAt = factory.Time.GetUtcNow();

        var (uri, expires) = await MintAsync(client);

        var span = TimeSpan.Parse(lifetime, CultureInfo.InvariantCulture);
        Assert.InRange(expires - issuedAt, span - TimeSpan.FromSeconds(1), span);
        factory.Time.SetUtcNow(expires.AddSeconds(-1));
        Assert.Equal(LocationSourceKind.Token, (await RouteAsync(factory, uri)).Source);
        factory.Time.SetUtcNow(expires.AddSeconds(1));
        AssertFellThroughToStation(await RouteAsync(factory, uri), TokenStatus.Expired);
    }

    private static async Task<HttpResponseMessage> PutWiremapAsync(HttpClient client, TenantWiremap wiremap)
    {
        using var content = new StringContent(LocationServer.Data.Wiremap.WiremapJson.WriteToString(wiremap), System.Text.Encoding.UTF8, "application/json");
        return await client.PutAsync($"/admin/tenants/{wiremap.Tenant.Id}/wiremap", content);
    }
}
