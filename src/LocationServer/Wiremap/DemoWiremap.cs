using System.Security.Cryptography;
using System.Text;
using LocationServer.Core.Wiremap;

namespace LocationServer.Wiremap;

/// <summary>
/// The demo tenant loaded into an empty embedded database so a newcomer gets answers at once: three buildings,
/// access points, switch ports, subnets (loopback included, so a local request is located), a VPN range, DIDs and
/// a call-server requester. All addresses and numbers are fictitious.
/// </summary>
internal static class DemoWiremap
{
    public const string TenantId = "demo";
    public static readonly Guid CompanyUuid = new("6f1c2a44-9b1e-4d7a-8a53-2f0d5e9c7b10");
    /// <summary>API key of the demo call server (third-party requester).</summary>
    public const string CallServerKey = "demo-callserver-key";

    public static TenantWiremap Create()
    {
        var hq = new CivicAddress
        {
            Country = "US",
            A1 = "TX",
            A3 = "Austin",
            RD = "Congress",
            STS = "Ave",
            HNO = "100",
            PC = "78701",
            NAM = "Example Corp",
        };
        var annex = new CivicAddress
        {
            Country = "US",
            A1 = "TX",
            A3 = "Austin",
            RD = "Lavaca",
            STS = "St",
            HNO = "901",
            PC = "78701",
            NAM = "Example Corp",
        };
        var lab = new CivicAddress
        {
            Country = "US",
            A1 = "TX",
            A3 = "Round Rock",
            RD = "Palm Valley",
            STS = "Blvd",
            PRD = "E",
            HNO = "2100",
            PC = "78664",
            NAM = "Example Corp",
        };
        return new TenantWiremap(
            new Tenant(TenantId, "Example Corp (demo)", CompanyUuid, DidFallback: true, CallbackNumber: "+15125550000"),
            [
                new Site("hq", "Headquarters", hq, new GeoPoint(30.2672, -97.7431), "+15125550001"),
                new Site("annex", "Annex", annex, new GeoPoint(30.2707, -97.7446)),
                new Site("lab", "Round Rock Lab", lab, new GeoPoint(30.5083, -97.6789), "+15125550002"),
            ],
            [
                new DispatchableLocation("hq-3-301", "hq", Floor: "3", Room: "301", Text: "NE corner", Point: new GeoPoint(30.26725, -97.74305), Elins: ["+15125559301", "+15125559302"]),
                new DispatchableLocation("hq-3-west", "hq", Floor: "3", Text: "West open plan"),
                new DispatchableLocation("hq-1-lobby", "hq", Floor: "1", Text: "Lobby"),
                new DispatchableLocation("annex-2", "annex", Floor: "2", Unit: "200"),
                new DispatchableLocation("lab-1", "lab", Floor: "1", Room: "Lab A"),
            ],
            [
                new NetworkElement(ElementKind.Bssid, "00:11:22:33:44:55", LocationId: "hq-3-301", Description: "AP-HQ-3-01"),
                new NetworkElement(ElementKind.BssidPrefix, "00:11:22:33:45:0*", LocationId: "hq-3-west", Description: "AP-HQ-3-02 (all SSIDs)"),
                new NetworkElement(ElementKind.ChassisPort, "00:1b:54:aa:bb:01|Gi1/0/7", LocationId: "hq-3-301", Description: "hq-sw3 port 7"),
                new NetworkElement(ElementKind.Chassis, "00:1b:54:aa:bb:01", LocationId: "hq-3-west", Description: "hq-sw3"),
                new NetworkElement(ElementKind.Chassis, "6:annex-sw2", LocationId: "annex-2", Description: "annex-sw2 (ifName chassis)"),
                new NetworkElement(ElementKind.DeviceMac, "00-04-f2-15-c2-85", LocationId: "hq-1-lobby", Description: "Lobby courtesy phone"),
                new NetworkElement(ElementKind.Subnet, "10.1.3.0/24", LocationId: "hq-3-west", Description: "HQ floor 3 voice VLAN"),
                new NetworkElement(ElementKind.Subnet, "10.1.0.0/16", SiteId: "hq", Description: "HQ"),
                new NetworkElement(ElementKind.Subnet, "10.2.0.0/16", LocationId: "annex-2", Description: "Annex"),
                new NetworkElement(ElementKind.Subnet, "10.3.0.0/16", LocationId: "lab-1", Description: "Lab"),
                new NetworkElement(ElementKind.Subnet, "2001:db8:100::/48", SiteId: "hq", Description: "HQ IPv6"),
                new NetworkElement(ElementKind.Subnet, "127.0.0.0/8", LocationId: "hq-3-301", Description: "Loopback (demo: local requests land in room 301)"),
                new NetworkElement(ElementKind.Subnet, "::1/128", LocationId: "hq-3-301", Description: "Loopback IPv6 (demo)"),
                new NetworkElement(ElementKind.Subnet, "10.250.0.0/16", OffPremises: true, Description: "Remote-access VPN pool"),
                new NetworkElement(ElementKind.GatewayMac, "a0:b1:c2:d3:e4:f5", SiteId: "lab", Description: "Lab router"),
                new NetworkElement(ElementKind.PublicIp, "198.51.100.0/28", SiteId: "annex", Description: "Annex internet egress"),
            ],
            [
                new DidAssignment("+15125550100", "hq-3-301", User: "alice"),
                new DidAssignment("+15125550123", "annex-2", User: "bob"),
                new DidAssignment("+15125550199", "lab-1", CallbackNumber: "+15125550002", HeldCapable: false, User: "lab analog line"),
            ],
            [
                new Requester("callserver", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CallServerKey))), ["127.0.0.1/32", "::1/128"]),
            ]);
    }
}
