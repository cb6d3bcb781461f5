using System.Security.Cryptography;
using System.Text;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Routing;

namespace LocationServer.Tests.Routing;

/// <summary>
/// The routing caller check keeps metadata it has verified against the index in force, so a call server's repeated
/// key is not parsed and hashed per call; what it keeps must never outlive the key in the wiremap.
/// </summary>
public sealed class RoutingCallerAuthenticatorTests
{
    private static TenantWiremap Tenant(string id, params string[] keys) =>
        new(new Tenant(id, id), [], [], [], [],
            [.. keys.Select((key, i) => new Requester($"pbx-{i}", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))))]);

    [Fact]
    public void Authenticate_SameKeyTwice_AuthorizedBothTimes()
    {
        var holder = new WiremapIndexHolder();
        holder.Swap(WiremapIndex.Build([Tenant("acme", "acme-key")], 1));
        var authenticator = new RoutingCallerAuthenticator(holder);

        Assert.Equal(RoutingCallerAuth.Authorized, authenticator.Authenticate("Bearer acme-key", "acme", out var first));
        Assert.Equal(RoutingCallerAuth.Authorized, authenticator.Authenticate("Bearer acme-key", "acme", out var second));
        Assert.Equal("pbx-0", first);
        Assert.Equal("pbx-0", second);
    }

    [Fact]
    public void Authenticate_VerifiedKeyThenOtherTenant_ForeignTenant()
    {
        var holder = new WiremapIndexHolder();
        holder.Swap(WiremapIndex.Build([Tenant("acme", "acme-key"), Tenant("other", "other-key")], 1));
        var authenticator = new RoutingCallerAuthenticator(holder);
        Assert.Equal(RoutingCallerAuth.Authorized, authenticator.Authenticate("Bearer acme-key", "acme", out _));

        Assert.Equal(RoutingCallerAuth.ForeignTenant, authenticator.Authenticate("Bearer acme-key", "other", out var requester));
        Assert.Null(requester);
    }

    [Fact]
    public void Authenticate_KeyRemovedFromWiremapAfterUse_RefusedOnceTheIndexIsSwapped()
    {
        var holder = new WiremapIndexHolder();
        holder.Swap(WiremapIndex.Build([Tenant("acme", "old-key")], 1));
        var authenticator = new RoutingCallerAuthenticator(holder);
        Assert.Equal(RoutingCallerAuth.Authorized, authenticator.Authenticate("Bearer old-key", "acme", out _));

        holder.Swap(WiremapIndex.Build([Tenant("acme", "new-key")], 2));

        Assert.Equal(RoutingCallerAuth.BadCredentials, authenticator.Authenticate("Bearer old-key", "acme", out _));
        Assert.Equal(RoutingCallerAuth.Authorized, authenticator.Authenticate("Bearer new-key", "acme", out _));
    }

    [Theory]
    [InlineData("Basic acme-key")]
    [InlineData("Bearer")]
    [InlineData("Bearer wrong-key")]
    public void Authenticate_NotAVerifiedBearerKey_BadCredentials(string authorization)
    {
        var holder = new WiremapIndexHolder();
        holder.Swap(WiremapIndex.Build([Tenant("acme", "acme-key")], 1));
        var authenticator = new RoutingCallerAuthenticator(holder);
        Assert.Equal(RoutingCallerAuth.Authorized, authenticator.Authenticate("Bearer acme-key", "acme", out _));

        Assert.Equal(RoutingCallerAuth.BadCredentials, authenticator.Authenticate(authorization, "acme", out _));
    }
}
