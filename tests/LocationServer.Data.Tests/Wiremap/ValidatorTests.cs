using LocationServer.Core.Wiremap;

namespace LocationServer.Data.Tests.Wiremap;

public sealed class WiremapValidatorTests
{
    private static readonly TenantWiremap Valid = Samples.Wiremap();

    private static TenantWiremap WithElement(NetworkElement element) => Valid with { Elements = [.. Valid.Elements, element] };

    private static readonly int Next = Valid.Elements.Count;

    private static readonly Guid TeamsId = Guid.Parse("d26a4935-5997-4bcf-b0db-6ae5a88805fd");

    public static TheoryData<string, TenantWiremap, string> Cases() => new()
    {
        { "tenant id upper case", Valid with { Tenant = Valid.Tenant with { Id = "Acme" } }, "/tenant/id" },
        { "tenant id too long", Valid with { Tenant = Valid.Tenant with { Id = new string('a', 65) } }, "/tenant/id" },
        { "tenant name missing", Valid with { Tenant = Valid.Tenant with { Name = " " } }, "/tenant/name" },
        { "tenant callback not a number", Valid with { Tenant = Valid.Tenant with { CallbackNumber = "call me" } }, "/tenant/callbackNumber" },
        { "duplicate site id", Valid with { Sites = [.. Valid.Sites, Valid.Sites[0]] }, "/sites/2/id" },
        { "site point latitude", Valid with { Sites = [Valid.Sites[0] with { Point = new GeoPoint(91, 0) }, Valid.Sites[1]] }, "/sites/0/point/latitude" },
        { "site point longitude NaN", Valid with { Sites = [Valid.Sites[0] with { Point = new GeoPoint(0, double.NaN) }, Valid.Sites[1]] }, "/sites/0/point/longitude" },
        { "site address invalid", Valid with { Sites = [Valid.Sites[0] with { Address = Samples.Austin with { PC = "787" } }, Valid.Sites[1]] }, "/sites/0/address/PC" },
        { "location id reuses a site id", Valid with { Locations = [Valid.Locations[0] with { Id = "aus" }, .. Valid.Locations.Skip(1)] }, "/locations/0/id" },
        { "duplicate location id", Valid with { Locations = [.. Valid.Locations, Valid.Locations[1]] }, "/locations/3/id" },
        { "location site missing", Valid with { Locations = [Valid.Locations[0] with { SiteId = "nowhere" }, .. Valid.Locations.Skip(1)] }, "/locations/0/siteId" },
        { "ELIN not a number", Valid with { Locations = [Valid.Locations[0] with { Elins = ["+15125550190", "x"] }, .. Valid.Locations.Skip(1)] }, "/locations/0/elins/1" },
        { "ELIN used twice", Valid with { Locations = [Valid.Locations[0], Valid.Locations[1] with { Elins = ["512-555-0190"] }, Valid.Locations[2]] }, "/locations/1/elins/0" },
        { "Teams civic address on two sites", Valid with { Sites = [Valid.Sites[0] with { TeamsCivicAddressId = TeamsId }, Valid.Sites[1] with { TeamsCivicAddressId = TeamsId }] }, "/sites/1/teamsCivicAddressId" },
        { "Teams location on a site and a location", Valid with { Sites = [Valid.Sites[0] with { TeamsLocationId = TeamsId }, Valid.Sites[1]], Locations = [Valid.Locations[0] with { TeamsLocationId = TeamsId }, .. Valid.Locations.Skip(1)] }, "/locations/0/teamsLocationId" },
        { "location point invalid", Valid with { Locations = [Valid.Locations[0] with { Point = new GeoPoint(0, 181) }, .. Valid.Locations.Skip(1)] }, "/locations/0/point/longitude" },
        { "element bad MAC", WithElement(new NetworkElement(ElementKind.DeviceMac, "00:11:22:33:44", LocationId: "aus-3")), $"/elements/{Next}/value" },
        { "element bad BSSID prefix", WithElement(new NetworkElement(ElementKind.BssidPrefix, "00:11:22:33:44:55", LocationId: "aus-3")), $"/elements/{Next}/value" },
        { "element subnet host bits", WithElement(new NetworkElement(ElementKind.Subnet, "10.9.0.1/16", LocationId: "aus-3")), $"/elements/{Next}/value" },
        { "element chassis|port without port", WithElement(new NetworkElement(ElementKind.ChassisPort, "00:aa:bb:cc:dd:ee", LocationId: "aus-3")), $"/elements/{Next}/value" },
        { "element public IP garbage", WithElement(new NetworkElement(ElementKind.PublicIp, "203.0.113.999", SiteId: "aus")), $"/elements/{Next}/value" },
        { "element duplicate in another spelling", WithElement(new NetworkElement(ElementKind.Bssid, "0011.2233.4455", LocationId: "aus-3")), $"/elements/{Next}/value" },
        { "element duplicate subnet", WithElement(new NetworkElement(ElementKind.Subnet, "10.1.3.0/24", SiteId: "aus")), $"/elements/{Next}/value" },
        { "element without target", WithElement(new NetworkElement(ElementKind.Bssid, "00:11:22:33:44:99")), $"/elements/{Next}" },
        { "element with two targets", WithElement(new NetworkElement(ElementKind.Bssid, "00:11:22:33:44:99", LocationId: "aus-3", SiteId: "aus")), $"/elements/{Next}/siteId" },
        { "off-premises element with target", WithElement(new NetworkElement(ElementKind.Subnet, "10.201.0.0/16", LocationId: "aus-3", OffPremises: true)), $"/elements/{Next}/locationId" },
        { "element unknown location", WithElement(new NetworkElement(ElementKind.Bssid, "00:11:22:33:44:99", LocationId: "nowhere")), $"/elements/{Next}/locationId" },
        { "element site id given as location", WithElement(new NetworkElement(ElementKind.Bssid, "00:11:22:33:44:99", LocationId: "aus")), $"/elements/{Next}/locationId" },
        { "element unknown site", WithElement(new NetworkElement(ElementKind.GatewayMac, "00:11:22:33:44:99", SiteId: "nowhere")), $"/elements/{Next}/siteId" },
        { "element kind undefined", WithElement(new NetworkElement((ElementKind)42, "x", SiteId: "aus")), $"/elements/{Next}/kind" },
        { "DID not a number", Valid with { Dids = [.. Valid.Dids, new DidAssignment("ext. 12", "aus-3")] }, "/dids/3/number" },
        { "DID duplicate after normalising", Valid with { Dids = [.. Valid.Dids, new DidAssignment("tel:+1-512-555-0123", "aus-3")] }, "/dids/3/number" },
        { "DID unknown location", Valid with { Dids = [.. Valid.Dids, new DidAssignment("+15125550199", "nowhere")] }, "/dids/3/locationId" },
        { "DID callback not a number", Valid with { Dids = [.. Valid.Dids, new DidAssignment("+15125550199", "aus-3", "nope")] }, "/dids/3/callbackNumber" },
        { "requester bad CIDR", Valid with { Requesters = [new Requester("cs", SourceCidrs: ["10.0.0.1/8"])] }, "/requesters/0/sourceCidrs/0" },
        { "requester bad SHA-256", Valid with { Requesters = [new Requester("cs", "abc")] }, "/requesters/0/keySha256" },
        { "requester without authentication", Valid with { Requesters = [new Requester("cs")] }, "/requesters/0" },
        { "requester duplicate name", Valid with { Requesters = [.. Valid.Requesters, Valid.Requesters[1]] }, "/requesters/2/name" },
    };

    [Fact]
    public void Validate_Sample_HasNoErrors()
    {
        Assert.Empty(WiremapValidator.Validate(Valid));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_BrokenRule_ReportsErrorAtPath(string rule, TenantWiremap wiremap, string path)
    {
        var errors = WiremapValidator.Validate(wiremap);
        Assert.True(errors.Any(e => e.Path == path), $"{rule}: expected an error at {path}, got [{string.Join("; ", errors)}]");
    }

    [Theory]
    [InlineData(ElementKind.Bssid, "00-11-22-33-44-55", "00:11:22:33:44:55")]
    [InlineData(ElementKind.BssidPrefix, "00:11:22:33:44:5*", "00:11:22:33:44:50/44")]
    [InlineData(ElementKind.Subnet, "2001:DB8::/32", "2001:db8::/32")]
    [InlineData(ElementKind.PublicIp, "203.0.113.7", "203.0.113.7/32")]
    [InlineData(ElementKind.ChassisPort, "4:00:aa:bb:cc:dd:ee|Gi1/0/7", "4:00:aa:bb:cc:dd:ee|5:Gi1/0/7")]
    public void NormalizeElementValue_Spellings_AreCanonical(ElementKind kind, string value, string expected)
    {
        Assert.Equal(expected, WiremapValidator.NormalizeElementValue(kind, value));
    }
}

public sealed class CivicAddressValidatorTests
{
    public static TheoryData<string, CivicAddress, string> Cases() => new()
    {
        { "country missing", Samples.Austin with { Country = null }, "/a/country" },
        { "country lower case", Samples.Austin with { Country = "us" }, "/a/country" },
        { "country alpha-3", Samples.Austin with { Country = "USA" }, "/a/country" },
        { "A1 with country prefix", Samples.Austin with { A1 = "US-TX" }, "/a/A1" },
        { "A1 spelled out", Samples.Austin with { A1 = "Texas" }, "/a/A1" },
        { "A1 not a state", Samples.Austin with { A1 = "ZZ" }, "/a/A1" },
        { "A1 missing", Samples.Austin with { A1 = null }, "/a/A1" },
        { "A3 missing", Samples.Austin with { A3 = null }, "/a/A3" },
        { "RD missing", Samples.Austin with { RD = null }, "/a/RD" },
        { "HNO missing", Samples.Austin with { HNO = null }, "/a/HNO" },
        { "HNO not numeric-leading", Samples.Austin with { HNO = "A100" }, "/a/HNO" },
        { "ZIP too short", Samples.Austin with { PC = "7870" }, "/a/PC" },
        { "ZIP+4 malformed", Samples.Austin with { PC = "78701-12" }, "/a/PC" },
        { "ZIP missing", Samples.Austin with { PC = null }, "/a/PC" },
        { "Canadian postal code without space", Samples.Toronto with { PC = "M5H1J9" }, "/a/PC" },
        { "Canadian postal code lower case", Samples.Toronto with { PC = "m5h 1j9" }, "/a/PC" },
        { "Canadian province not a province", Samples.Toronto with { A1 = "TX" }, "/a/A1" },
        { "street in A6 (US)", Samples.Austin with { A6 = "Congress Ave" }, "/a/A6" },
        { "street in A6 instead of RD (DE)", new CivicAddress { Country = "DE", A3 = "Berlin", A6 = "Unter den Linden", HNO = "1" }, "/a/A6" },
        { "value too long", Samples.Austin with { LOC = new string('x', 257) }, "/a/LOC" },
        { "control character", Samples.Austin with { NAM = "Acme\u0007" }, "/a/NAM" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_BrokenRule_ReportsErrorAtPath(string rule, CivicAddress address, string path)
    {
        var errors = CivicAddressValidator.Validate(address, "/a");
        Assert.True(errors.Any(e => e.Path == path), $"{rule}: expected an error at {path}, got [{string.Join("; ", errors)}]");
    }

    [Fact]
    public void Validate_GoodAddresses_HaveNoErrors()
    {
        Assert.Empty(CivicAddressValidator.Validate(Samples.Austin, "/a"));
        Assert.Empty(CivicAddressValidator.Validate(Samples.Austin with { PC = "78701-1234", HNO = "100B" }, "/a"));
        Assert.Empty(CivicAddressValidator.Validate(Samples.Toronto, "/a"));
        Assert.Empty(CivicAddressValidator.Validate(new CivicAddress { Country = "DE", A3 = "Berlin", RD = "Unter den Linden", HNO = "1", PC = "10117" }, "/a"));
    }

    [Fact]
    public void Validate_CountryPrefixedA1_ExplainsTheFix()
    {
        var error = Assert.Single(CivicAddressValidator.Validate(Samples.Austin with { A1 = "US-TX" }, "/sites/0/address"));
        Assert.Equal("/sites/0/address/A1", error.Path);
        Assert.Contains("'TX' instead of 'US-TX'", error.Message, StringComparison.Ordinal);
    }
}
