using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using static LocationServer.Core.Tests.Matching.TestWiremaps;

namespace LocationServer.Core.Tests.Matching;

public class TenantIndexTests
{
    private static readonly DispatchableLocation[] Floors = Locations("hq", "loc-a", "loc-b", "loc-c", "loc-d", "loc-e");

    [Theory]
    [InlineData("10.1.2.77", "loc-c")]
    [InlineData("10.1.2.200", "loc-b")]
    [InlineData("10.1.9.1", "loc-a")]
    [InlineData("10.200.0.1", "loc-e")]
    [InlineData("::ffff:10.1.2.77", "loc-c")]
    [InlineData("10.1.2.5", "loc-d")]
    public void Match_OverlappingIpv4Subnets_LongestPrefixWins(string source, string expected)
    {
        var index = Index(
        [
            At(ElementKind.Subnet, "0.0.0.0/0", "loc-e"),
            At(ElementKind.Subnet, "10.1.0.0/16", "loc-a"),
            At(ElementKind.Subnet, "10.1.2.0/24", "loc-b"),
            At(ElementKind.Subnet, "10.1.2.64/26", "loc-c"),
            At(ElementKind.Subnet, "10.1.2.5", "loc-d"),
        ], Floors);

        var result = index.Match(new Evidence { SourceAddress = Ip(source) });

        Assert.Equal(MatchRule.Subnet, result.Rule);
        Assert.Equal(EvidenceField.SourceAddress, result.Evidence);
        Assert.Equal(expected, result.Location!.Id);
    }

    [Theory]
    [InlineData("2001:db8:1:2::77", "loc-c")]
    [InlineData("2001:db8:1:2:ffff::1", "loc-b")]
    [InlineData("2001:db8:1:3::1", "loc-a")]
    [InlineData("2001:db8:1:2::5", "loc-d")]
    [InlineData("2001:db9::1", "loc-e")]
    public void Match_OverlappingIpv6Subnets_LongestPrefixWins(string source, string expected)
    {
        var index = Index(
        [
            At(ElementKind.Subnet, "::/0", "loc-e"),
            At(ElementKind.Subnet, "2001:db8:1::/48", "loc-a"),
            At(ElementKind.Subnet, "2001:db8:1:2::/64", "loc-b"),
            At(ElementKind.Subnet, "2001:db8:1:2::/112", "loc-c"),
            At(ElementKind.Subnet, "2001:db8:1:2::5", "loc-d"),
        ], Floors);

        var result = index.Match(new Evidence { SourceAddress = Ip(source) });

        Assert.Equal(expected, result.Location!.Id);
    }

    [Fact]
    public void Match_Ipv4SourceAndIpv6Subnets_DoNotMix()
    {
        var index = Index([At(ElementKind.Subnet, "::/0", "loc-a")], Floors);

        Assert.Equal(MatchRule.None, index.Match(new Evidence { SourceAddress = Ip("10.0.0.1") }).Rule);
        Assert.Equal(MatchRule.None, index.Match(new Evidence { SourceAddress = Ip("::ffff:10.0.0.1") }).Rule);
    }

    [Fact]
    public void Match_MappedIpv6Subnet_MatchesIpv4Source()
    {
        var index = Index([At(ElementKind.Subnet, "::ffff:10.1.0.0/112", "loc-a")], Floors);

        Assert.Equal("loc-a", index.Match(new Evidence { SourceAddress = Ip("10.1.200.3") }).Location!.Id);
    }

    [Fact]
    public void Match_ReportedAndSourceAddressBothInSubnets_ReportedAddressWins()
    {
        var index = Index([At(ElementKind.Subnet, "10.1.0.0/16", "loc-a"), At(ElementKind.Subnet, "10.2.0.0/16", "loc-b")], Floors);

        var result = index.Match(new Evidence { ReportedAddress = Ip("10.1.0.9"), SourceAddress = Ip("10.2.0.9") });

        Assert.Equal(EvidenceField.ReportedAddress, result.Evidence);
        Assert.Equal("loc-a", result.Location!.Id);
    }

    [Theory]
    [InlineData("10.99.0.5")]
    [InlineData("::ffff:10.99.0.5")]
    public void Match_SourceInVpnRange_IsOffPremisesWithoutLocation(string source)
    {
        var vpn = OffPremises(ElementKind.Subnet, "10.99.0.0/16");
        var index = Index([vpn, At(ElementKind.Subnet, "10.0.0.0/8", "loc-a")], Floors);

        var result = index.Match(new Evidence { SourceAddress = Ip(source) });

        Assert.True(result.OffPremises);
        Assert.False(result.Found);
        Assert.Null(result.Location);
        Assert.Same(vpn, result.Element);
        Assert.Equal(MatchRule.Subnet, result.Rule);
    }

    [Fact]
    public void Match_OnPremisesCarveOutInsideVpnRange_LongestPrefixWins()
    {
        var index = Index([OffPremises(ElementKind.Subnet, "10.99.0.0/16"), At(ElementKind.Subnet, "10.99.5.0/24", "loc-b")], Floors);

        var result = index.Match(new Evidence { SourceAddress = Ip("10.99.5.1") });

        Assert.True(result.Found);
        Assert.Equal("loc-b", result.Location!.Id);
    }

    [Fact]
    public void Match_VpnSourceWithPinnedMacAndHomeSubnetCollision_IsOffPremises()
    {
        var index = Index(
        [
            OffPremises(ElementKind.PublicIp, "203.0.113.0/24"),
            At(ElementKind.DeviceMac, "00:04:f2:15:c2:85", "loc-a"),
            At(ElementKind.Subnet, "192.168.1.0/24", "loc-b"),
        ], Floors);

        var result = index.Match(new Evidence
        {
            SourceAddress = Ip("203.0.113.50"),
            ReportedAddress = Ip("192.168.1.20"),
            DeviceMac = Mac("00:04:f2:15:c2:85"),
        });

        Assert.True(result.OffPremises);
        Assert.Equal(MatchRule.PublicIp, result.Rule);
        Assert.Equal(EvidenceField.SourceAddress, result.Evidence);
    }

    [Fact]
    public void Match_VpnSourceButCorporateAccessPoint_AccessPointWins()
    {
        var index = Index([OffPremises(ElementKind.Subnet, "10.99.0.0/16"), At(ElementKind.Bssid, "00:11:22:33:44:55", "loc-a")], Floors);

        var result = index.Match(new Evidence { SourceAddress = Ip("10.99.0.1"), ServingBssid = Mac("00:11:22:33:44:55") });

        Assert.True(result.Found);
        Assert.Equal(MatchRule.Bssid, result.Rule);
    }

    [Fact]
    public void Match_ReportedAddressInVpnPool_IsOffPremises()
    {
        var index = Index([OffPremises(ElementKind.Subnet, "100.64.0.0/10"), At(ElementKind.Subnet, "10.0.0.0/8", "loc-a")], Floors);

        var result = index.Match(new Evidence { ReportedAddress = Ip("100.64.1.1"), SourceAddress = Ip("10.0.0.1") });

        Assert.True(result.OffPremises);
        Assert.Equal(EvidenceField.ReportedAddress, result.Evidence);
    }

    [Fact]
    public void Match_BssidWildcardForms_MatchWholeAccessPoint()
    {
        var index = Index(
        [
            At(ElementKind.BssidPrefix, "00:11:22:33:44:5*", "loc-a"),
            At(ElementKind.BssidPrefix, "00:11:22:33:44:40/44", "loc-b"),
            At(ElementKind.BssidPrefix, "00:11:22:33:*", "loc-c"),
            At(ElementKind.Bssid, "00:11:22:33:44:6*", "loc-d"),
        ], Floors);

        Assert.Equal("loc-a", index.Match(new Evidence { ServingBssid = Mac("00:11:22:33:44:5f") }).Location!.Id);
        Assert.Equal("loc-b", index.Match(new Evidence { ServingBssid = Mac("00:11:22:33:44:41") }).Location!.Id);
        Assert.Equal("loc-c", index.Match(new Evidence { ServingBssid = Mac("00:11:22:33:99:41") }).Location!.Id);
        Assert.Equal("loc-d", index.Match(new Evidence { ServingBssid = Mac("00:11:22:33:44:6a") }).Location!.Id);
        Assert.Equal(MatchRule.BssidPrefix, index.Match(new Evidence { ServingBssid = Mac("00:11:22:33:44:6a") }).Rule);
        Assert.Equal(MatchRule.None, index.Match(new Evidence { ServingBssid = Mac("00:11:22:34:00:00") }).Rule);
        Assert.Equal(0, index.SkippedElements);
    }

    [Fact]
    public void Match_NeighbourBssidsAgree_MatchesOnNeighbour()
    {
        var index = Index([At(ElementKind.Bssid, "00:11:22:33:44:55", "loc-a"), At(ElementKind.Bssid, "00:11:22:33:44:66", "loc-a")], Floors);

        var result = index.Match(new Evidence { NeighbourBssids = [Mac("02:00:00:00:00:01"), Mac("00:11:22:33:44:55"), Mac("00:11:22:33:44:66")] });

        Assert.Equal(MatchRule.Bssid, result.Rule);
        Assert.Equal(EvidenceField.NeighbourBssid, result.Evidence);
        Assert.Equal("loc-a", result.Location!.Id);
    }

    [Fact]
    public void Match_NeighbourBssidsDisagree_FallsThroughToLowerRules()
    {
        var index = Index(
        [
            At(ElementKind.Bssid, "00:11:22:33:44:55", "loc-a"),
            At(ElementKind.Bssid, "00:11:22:33:44:66", "loc-b"),
            At(ElementKind.Subnet, "10.0.0.0/8", "loc-c"),
        ], Floors);

        var result = index.Match(new Evidence { NeighbourBssids = [Mac("00:11:22:33:44:55"), Mac("00:11:22:33:44:66")], SourceAddress = Ip("10.0.0.1") });

        Assert.Equal(MatchRule.Subnet, result.Rule);
        Assert.Equal("loc-c", result.Location!.Id);
    }

    [Fact]
    public void Match_UnknownServingBssid_IgnoresNeighbours()
    {
        var index = Index([At(ElementKind.Bssid, "00:11:22:33:44:55", "loc-a")], Floors);

        var result = index.Match(new Evidence { ServingBssid = Mac("02:00:00:00:00:01"), NeighbourBssids = [Mac("00:11:22:33:44:55")] });

        Assert.False(result.Found);
    }

    [Fact]
    public void Match_Rfc7105MacChassisAndInterfaceNamePort_MatchesWiremapSpellings()
    {
        var index = Index([At(ElementKind.ChassisPort, "00:11:22:33:44:55|Gi1/0/7", "loc-a"), At(ElementKind.Chassis, "0011.2233.4455", "loc-b")], Floors);

        var port7 = index.Match(new Evidence { Lldp = [Lldp(4, "001122334455", 5, "4769312f302f37")] });
        var port8 = index.Match(new Evidence { Lldp = [Lldp(4, "001122334455", 5, Hex("Gi1/0/8"))] });

        Assert.Equal(MatchRule.ChassisPort, port7.Rule);
        Assert.Equal("loc-a", port7.Location!.Id);
        Assert.Equal(MatchRule.Chassis, port8.Rule);
        Assert.Equal("loc-b", port8.Location!.Id);
    }

    [Fact]
    public void Match_WildcardPortSubtype_MatchesAnySubtypeButExactSubtypeWins()
    {
        var index = Index(
        [
            At(ElementKind.ChassisPort, "0:0x001122334455|0:Gi1/0/7", "loc-a"),
            At(ElementKind.ChassisPort, "00:11:22:33:44:55|7:Gi1/0/7", "loc-b"),
        ], Floors);

        Assert.Equal("loc-a", index.Match(new Evidence { Lldp = [Lldp(4, "001122334455", 5, Hex("Gi1/0/7"))] }).Location!.Id);
        Assert.Equal("loc-b", index.Match(new Evidence { Lldp = [Lldp(4, "001122334455", 7, Hex("Gi1/0/7"))] }).Location!.Id);
        Assert.Equal("loc-a", index.Match(new Evidence { Lldp = [Lldp(7, "001122334455", 1, Hex("Gi1/0/7"))] }).Location!.Id);
    }

    [Fact]
    public void Match_WrongPortSubtype_DoesNotMatch()
    {
        var index = Index([At(ElementKind.ChassisPort, "00:11:22:33:44:55|Gi1/0/7", "loc-a")], Floors);

        Assert.False(index.Match(new Evidence { Lldp = [Lldp(4, "001122334455", 7, Hex("Gi1/0/7"))] }).Found);
        Assert.False(index.Match(new Evidence { Lldp = [Lldp(6, "001122334455", 5, Hex("Gi1/0/7"))] }).Found);
    }

    [Fact]
    public void Match_SeveralLldpNeighbours_AnyNeighbourPortBeatsAnyChassis()
    {
        var index = Index([At(ElementKind.Chassis, "00:00:00:00:00:01", "loc-a"), At(ElementKind.ChassisPort, "00:00:00:00:00:02|Gi1/0/1", "loc-b")], Floors);

        var result = index.Match(new Evidence
        {
            Lldp = [Lldp(4, "000000000001", 5, Hex("Gi1/0/1")), Lldp(4, "000000000002", 5, Hex("Gi1/0/1"))],
        });

        Assert.Equal("loc-b", result.Location!.Id);
    }

    [Fact]
    public void Build_BadValuesDuplicatesAndDanglingTargets_AreSkippedAndCounted()
    {
        var index = Index(
        [
            At(ElementKind.Bssid, "00:11:22:33:44:55", "loc-a"),
            At(ElementKind.Bssid, "00-11-22-33-44-55", "loc-b"),
            At(ElementKind.Subnet, "10.1.2.3/16", "loc-a"),
            At(ElementKind.Subnet, "10.1.0.0/16", "loc-a"),
            At(ElementKind.Subnet, "10.1.0.0/16", "loc-b"),
            At(ElementKind.DeviceMac, "not-a-mac", "loc-a"),
            At(ElementKind.ChassisPort, "no-bar", "loc-a"),
            At(ElementKind.ChassisPort, "sw1|Gi1/0/1", "loc-a"),
            At(ElementKind.ChassisPort, "sw1|Gi1/0/1", "loc-b"),
            At(ElementKind.Chassis, "sw1", "loc-a"),
            At(ElementKind.GatewayMac, "00:de:ad:be:ef:01", "no-such-location"),
            new NetworkElement(ElementKind.PublicIp, "203.0.113.0/24"),
        ], Floors);

        Assert.Equal(4, index.ElementCount);
        Assert.Equal(8, index.SkippedElements);
        Assert.Equal("loc-a", index.Match(new Evidence { ServingBssid = Mac("00:11:22:33:44:55") }).Location!.Id);
    }

    [Fact]
    public void Match_GatewayMacOrPublicIp_AnswersSiteLevelAddress()
    {
        var index = Index([AtSite(ElementKind.GatewayMac, "00:de:ad:be:ef:01", "branch"), AtSite(ElementKind.PublicIp, "198.51.100.7", "hq")], Floors);

        var gateway = index.Match(new Evidence { GatewayMac = Mac("00:de:ad:be:ef:01") });
        var publicIp = index.Match(new Evidence { SourceAddress = Ip("198.51.100.7") });

        Assert.Equal(MatchRule.GatewayMac, gateway.Rule);
        Assert.True(gateway.Location!.IsSiteLevel);
        Assert.Equal("branch", gateway.Location.SiteId);
        Assert.Same(BranchAddress, gateway.Location.Civic);
        Assert.Equal(MatchRule.PublicIp, publicIp.Rule);
        Assert.True(publicIp.Location!.IsSiteLevel);
        Assert.Equal("hq", publicIp.Location.Id);
    }

    [Fact]
    public void Build_DispatchableLocation_RefinesSiteAddressAndInheritsPoint()
    {
        var tenant = Index([], [new DispatchableLocation("loc-x", "hq", Floor: "3", Unit: "B", Room: "301", Text: "North wing", Elins: ["+15125550199"])]);

        var location = tenant.FindLocation("loc-x")!;

        Assert.False(location.IsSiteLevel);
        Assert.Equal("3", location.Civic.FLR);
        Assert.Equal("B", location.Civic.UNIT);
        Assert.Equal("301", location.Civic.ROOM);
        Assert.Equal("North wing", location.Civic.LOC);
        Assert.Equal("100", location.Civic.HNO);
        Assert.Equal("Austin", location.Civic.A3);
        Assert.Equal(new GeoPoint(30.2672, -97.7431), location.Point);
        Assert.Equal(["+15125550199"], location.Elins);
        Assert.Equal("100 Congress Ave, Floor 3, Unit B, Room 301, North wing, Austin, TX 78701, US", location.Display);
    }

    [Fact]
    public void Build_LocationWithoutFloor_KeepsSiteFloor()
    {
        var tenant = Index([], [new DispatchableLocation("loc-x", "hq", Room: "Lobby")]);

        Assert.Equal("1", tenant.FindLocation("loc-x")!.Civic.FLR);
        Assert.Null(tenant.FindLocation("missing"));
        Assert.Equal(3, tenant.Locations.Count());
    }

    [Theory]
    [InlineData("+15125550001", "+15125550002", "+15125550003", "+15125550001")]
    [InlineData(null, "+15125550002", "+15125550003", "+15125550002")]
    [InlineData(null, null, "+15125550003", "+15125550003")]
    [InlineData(null, null, null, null)]
    public void Build_CallbackNumber_LocationThenSiteThenTenant(string? location, string? site, string? tenant, string? expected)
    {
        var wiremap = Tenant("acme", [], [new DispatchableLocation("loc-x", "hq", CallbackNumber: location)], tenantCallback: tenant, siteCallback: site);

        Assert.True(WiremapIndex.Build([wiremap], 1).TryGetTenant("acme", out var index));

        Assert.Equal(expected, index.FindLocation("loc-x")!.CallbackNumber);
        Assert.Equal(site ?? tenant, index.FindLocation("hq")!.CallbackNumber);
    }

    [Theory]
    [InlineData("+15125550100")]
    [InlineData("15125550100")]
    [InlineData("5125550100")]
    [InlineData("tel:+1-512-555-0100")]
    [InlineData("sip:+15125550100@pbx.example.com;user=phone")]
    public void TryGetDid_AnySpelling_FindsNormalisedDid(string number)
    {
        var wiremap = Tenant("acme", [], Floors,
            dids:
            [
                new DidAssignment("tel:+1-512-555-0100", "loc-b", User: "alice"),
                new DidAssignment("+15125550101", "loc-c", CallbackNumber: "+15125550999", HeldCapable: false),
                new DidAssignment("+15125550102", "no-such-location"),
            ],
            tenantCallback: "+15125550000");
        Assert.True(WiremapIndex.Build([wiremap], 1).TryGetTenant("acme", out var index));

        Assert.True(index.TryGetDid(number, out var did));
        Assert.Equal("+15125550100", did.Number);
        Assert.Equal("loc-b", did.Location.Id);
        Assert.Equal("+15125550000", did.CallbackNumber);
        Assert.True(did.HeldCapable);
        Assert.Equal("alice", did.User);
        Assert.True(index.TryGetDid("+15125550101", out var other));
        Assert.Equal("+15125550999", other.CallbackNumber);
        Assert.False(other.HeldCapable);
        Assert.False(index.TryGetDid("+15125550102", out _));
        Assert.False(index.TryGetDid("garbage", out _));
        Assert.Equal(2, index.Dids.Count());
    }

    [Fact]
    public void Match_NullEvidence_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => Index([]).Match(null!));
    }

    [Fact]
    public void Match_AnyRule_DoesNotAllocate()
    {
        var index = Index(
        [
            At(ElementKind.Bssid, "00:11:22:33:44:55", "loc-a"),
            At(ElementKind.BssidPrefix, "00:11:22:33:66:*", "loc-a"),
            At(ElementKind.ChassisPort, "00:aa:bb:cc:dd:ee|Gi1/0/7", "loc-b"),
            At(ElementKind.Chassis, "00:aa:bb:cc:dd:ee", "loc-b"),
            At(ElementKind.DeviceMac, "00:04:f2:15:c2:85", "loc-c"),
            At(ElementKind.Subnet, "10.1.0.0/16", "loc-d"),
            At(ElementKind.Subnet, "2001:db8::/48", "loc-d"),
            At(ElementKind.Subnet, "2001:db8::/120", "loc-d"),
            AtSite(ElementKind.PublicIp, "198.51.100.0/24", "hq"),
            OffPremises(ElementKind.Subnet, "10.99.0.0/16"),
        ], Floors);
        Evidence[] cases =
        [
            new() { ServingBssid = Mac("00:11:22:33:44:55") },
            new() { ServingBssid = Mac("00:11:22:33:66:01") },
            new() { NeighbourBssids = [Mac("00:11:22:33:44:55"), Mac("00:11:22:33:66:01")] },
            new() { Lldp = [Lldp(4, "00aabbccddee", 5, Hex("Gi1/0/7"))] },
            new() { Lldp = [Lldp(4, "00aabbccddee", 5, Hex("Gi1/0/9"))] },
            new() { DeviceMac = Mac("00:04:f2:15:c2:85") },
            new() { SourceAddress = Ip("10.1.2.3") },
            new() { SourceAddress = Ip("::ffff:10.1.2.3") },
            new() { SourceAddress = Ip("2001:db8::1") },
            new() { SourceAddress = Ip("198.51.100.9") },
            new() { SourceAddress = Ip("10.99.0.1") },
            new() { SourceAddress = Ip("192.0.2.1"), GatewayMac = Mac("00:00:00:00:00:01") },
        ];
        foreach (var evidence in cases) index.Match(evidence);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
            foreach (var evidence in cases) index.Match(evidence);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
