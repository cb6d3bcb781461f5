using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Tests.Matching;

/// <summary>Small hand-built wiremaps for matching tests.</summary>
internal static class TestWiremaps
{
    public static readonly CivicAddress HqAddress = new()
    {
        Country = "US",
        A1 = "TX",
        A3 = "Austin",
        HNO = "100",
        RD = "Congress",
        STS = "Ave",
        PC = "78701",
        FLR = "1",
    };

    public static readonly CivicAddress BranchAddress = new()
    {
        Country = "US",
        A1 = "TX",
        A3 = "Round Rock",
        HNO = "2",
        RD = "Main",
        STS = "St",
        PC = "78664",
    };

    /// <summary>A tenant with sites "hq" and "branch" and the given locations (all on "hq" unless they say otherwise).</summary>
    public static TenantWiremap Tenant(
        string id,
        IReadOnlyList<NetworkElement> elements,
        IReadOnlyList<DispatchableLocation>? locations = null,
        IReadOnlyList<DidAssignment>? dids = null,
        Guid? companyUuid = null,
        string? tenantCallback = null,
        string? siteCallback = null) =>
        new(
            new Tenant(id, id.ToUpperInvariant(), companyUuid, DidFallback: true, CallbackNumber: tenantCallback),
            [
                new Site("hq", "Headquarters", HqAddress, new GeoPoint(30.2672, -97.7431), siteCallback),
                new Site("branch", "Branch", BranchAddress),
            ],
            locations ?? Locations("hq", "loc-a", "loc-b", "loc-c"),
            elements,
            dids ?? [],
            []);

    public static DispatchableLocation[] Locations(string siteId, params string[] ids) =>
        [.. ids.Select((id, i) => new DispatchableLocation(id, siteId, Floor: (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), Room: id))];

    public static TenantIndex Index(IReadOnlyList<NetworkElement> elements, IReadOnlyList<DispatchableLocation>? locations = null)
    {
        var index = WiremapIndex.Build([Tenant("acme", elements, locations)], 1);
        Assert.True(index.TryGetTenant("acme", out var tenant));
        return tenant;
    }

    public static NetworkElement At(ElementKind kind, string value, string locationId) => new(kind, value, LocationId: locationId);

    public static NetworkElement AtSite(ElementKind kind, string value, string siteId) => new(kind, value, SiteId: siteId);

    public static NetworkElement OffPremises(ElementKind kind, string value) => new(kind, value, OffPremises: true);

    public static MacAddress Mac(string text)
    {
        Assert.True(MacAddress.TryParse(text, out var mac), text);
        return mac;
    }

    public static IPAddress Ip(string text) => IPAddress.Parse(text);

    /// <summary>An LLDP neighbour in RFC 7105 wire form: subtype attributes and hexBinary values.</summary>
    public static LldpNeighbour Lldp(byte chassisType, string chassisHex, byte portType, string portHex)
    {
        Assert.True(LldpId.TryParseHex(chassisType, chassisHex, out var chassis));
        Assert.True(LldpId.TryParseHex(portType, portHex, out var port));
        return new LldpNeighbour(chassis!, port!);
    }

    public static string Hex(string text) => Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(text));
}
