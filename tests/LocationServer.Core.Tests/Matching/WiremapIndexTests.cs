using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using static LocationServer.Core.Tests.Matching.TestWiremaps;

namespace LocationServer.Core.Tests.Matching;

public class WiremapIndexTests
{
    private static readonly Guid AcmeUuid = Guid.Parse("6f1c2a9e-0d4b-4c1e-9a57-3b2f8d1e4c70");
    private static readonly Guid GlobexUuid = Guid.Parse("0b8e5f2d-7a13-4f6c-8e29-c4d1a6b3f905");

    private static WiremapIndex TwoTenants() => WiremapIndex.Build(
    [
        Tenant("acme", [At(ElementKind.Bssid, "00:11:22:33:44:55", "acme-2f"), At(ElementKind.Subnet, "10.0.0.0/8", "acme-2f")],
            Locations("hq", "acme-2f"), companyUuid: AcmeUuid),
        Tenant("globex", [At(ElementKind.Bssid, "00-11-22-33-44-55", "globex-lobby")],
            Locations("branch", "globex-lobby"), companyUuid: GlobexUuid),
    ], 7);

    [Fact]
    public void Match_SameBssidInTwoTenants_EachTenantGetsItsOwnLocation()
    {
        var index = TwoTenants();
        var evidence = new Evidence { ServingBssid = Mac("00:11:22:33:44:55") };

        Assert.True(index.TryGetTenant("acme", out var acme));
        Assert.True(index.TryGetTenant("globex", out var globex));

        Assert.Equal("acme-2f", acme.Match(evidence).Location!.Id);
        Assert.Equal("acme", acme.Match(evidence).Location!.TenantId);
        Assert.Equal("globex-lobby", globex.Match(evidence).Location!.Id);
        Assert.Equal("globex", globex.Match(evidence).Location!.TenantId);
        Assert.False(globex.Match(new Evidence { SourceAddress = Ip("10.1.1.1") }).Found);
        Assert.Null(globex.FindLocation("acme-2f"));
    }

    [Theory]
    [InlineData("acme", "acme")]
    [InlineData("ACME", "acme")]
    [InlineData("6f1c2a9e-0d4b-4c1e-9a57-3b2f8d1e4c70", "acme")]
    [InlineData("6F1C2A9E0D4B4C1E9A573B2F8D1E4C70", "acme")]
    [InlineData("{0b8e5f2d-7a13-4f6c-8e29-c4d1a6b3f905}", "globex")]
    public void TryGetTenant_IdOrCompanyUuid_FindsTenant(string key, string expected)
    {
        Assert.True(TwoTenants().TryGetTenant(key, out var tenant));
        Assert.Equal(expected, tenant.Tenant.Id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("initech")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    public void TryGetTenant_Unknown_ReturnsFalse(string? key)
    {
        Assert.False(TwoTenants().TryGetTenant(key, out _));
    }

    [Fact]
    public void Build_TwoTenants_CountsElementsAndKeepsVersion()
    {
        var index = TwoTenants();

        Assert.Equal(7, index.Version);
        Assert.Equal(3, index.ElementCount);
        Assert.Equal(2, index.Tenants.Count());
    }

    [Fact]
    public void Empty_HasNoTenants()
    {
        Assert.Equal(0, WiremapIndex.Empty.Version);
        Assert.Empty(WiremapIndex.Empty.Tenants);
        Assert.False(WiremapIndex.Empty.TryGetTenant("acme", out _));
    }
}
