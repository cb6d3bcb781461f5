using LocationServer.Core.Wiremap;
using LocationServer.Data.Wiremap;

namespace LocationServer.Data.Tests;

internal static class Samples
{
    public static readonly CivicAddress Austin = new()
    {
        Country = "US",
        A1 = "TX",
        A3 = "Austin",
        RD = "Congress",
        STS = "Ave",
        HNO = "100",
        PC = "78701",
        NAM = "Acme Corp",
    };

    public static readonly CivicAddress Toronto = new()
    {
        Country = "CA",
        A1 = "ON",
        A3 = "Toronto",
        RD = "King",
        STS = "St W",
        HNO = "200",
        PC = "M5H 1J9",
    };

    /// <summary>
    /// The sample's company UUID: the documented one for "acme", else one derived from the id, since company UUIDs
    /// are unique across tenants.
    /// </summary>
    public static Guid CompanyUuid(string tenantId) => tenantId == "acme"
        ? Guid.Parse("6f1c2d7e-8a4b-4c3d-9e2f-1a2b3c4d5e6f")
        : new Guid(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tenantId)).AsSpan(0, 16));

    /// <summary>A wiremap using every kind of element and every optional field.</summary>
    public static TenantWiremap Wiremap(string tenantId = "acme") => new(
        new Tenant(tenantId, "Acme Corp", CompanyUuid(tenantId), DidFallback: true, CallbackNumber: "+15125550100"),
        [
            new Site("aus", "Austin HQ", Austin, new GeoPoint(30.2672, -97.7431), "+15125550101"),
            new Site("tor", "Toronto", Toronto),
        ],
        [
            new DispatchableLocation("aus-3-301", "aus", Floor: "3", Room: "301", Text: "NE corner", Point: new GeoPoint(30.26725, -97.74305, 12.5), Elins: ["+15125550190", "+15125550191"], CallbackNumber: "+15125550102"),
            new DispatchableLocation("aus-3", "aus", Floor: "3"),
            new DispatchableLocation("tor-1", "tor", Floor: "1", Unit: "100"),
        ],
        [
            new NetworkElement(ElementKind.Bssid, "00:11:22:33:44:55", LocationId: "aus-3-301", Description: "AP 3-301"),
            new NetworkElement(ElementKind.BssidPrefix, "00:11:22:33:44:6*", LocationId: "aus-3"),
            new NetworkElement(ElementKind.ChassisPort, "4:00:aa:bb:cc:dd:ee|Gi1/0/7", LocationId: "aus-3-301"),
            new NetworkElement(ElementKind.Chassis, "4:00:aa:bb:cc:dd:ef", LocationId: "aus-3"),
            new NetworkElement(ElementKind.DeviceMac, "0004.f215.c285", LocationId: "tor-1"),
            new NetworkElement(ElementKind.Subnet, "10.1.3.0/24", LocationId: "aus-3"),
            new NetworkElement(ElementKind.Subnet, "2001:db8:1::/48", SiteId: "tor"),
            new NetworkElement(ElementKind.GatewayMac, "00-de-ad-be-ef-01", SiteId: "aus"),
            new NetworkElement(ElementKind.PublicIp, "203.0.113.0/28", SiteId: "aus"),
            new NetworkElement(ElementKind.Subnet, "10.200.0.0/16", OffPremises: true, Description: "VPN pool"),
        ],
        [
            new DidAssignment("+15125550123", "aus-3-301", User: "alice"),
            new DidAssignment("(512) 555-0124", "aus-3", CallbackNumber: "+15125550100", HeldCapable: false),
            new DidAssignment("+14165550100", "tor"),
        ],
        [
            new Requester("callserver", new string('a', 64), ["192.0.2.10", "2001:db8::/64"]),
            new Requester("sbc", KeySha256: new string('b', 64), ReferenceOnly: true),
        ]);

    /// <summary>The canonical text of a wiremap: equal text means equal wiremaps (records hold lists by reference).</summary>
    public static string Canonical(TenantWiremap wiremap) => WiremapJson.WriteToString(wiremap);
}
