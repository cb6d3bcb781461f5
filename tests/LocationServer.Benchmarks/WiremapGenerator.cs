using System.Globalization;
using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;

namespace LocationServer.Benchmarks;

/// <summary>
/// Generates a deterministic, realistic wiremap of a given size for benchmarks and load tests, and evidence that
/// hits (or misses) it. Per 1,000 elements: 350 LLDP chassis+port (48-port switches), 300 exact BSSIDs, 20 BSSID
/// prefixes (multi-BSSID APs), 20 LLDP chassis, 60 pinned device MACs, 230 subnets (IPv4 /26 and covering /24,
/// IPv6 /64), 10 gateway MACs and 10 public IP ranges; plus two off-premises (VPN/NAT) ranges. One dispatchable
/// location per 20 elements, one site per 50 locations. MACs are written in all accepted spellings.
/// </summary>
public sealed class WiremapGenerator
{
    private const ulong BssidBase = 0x02_00_00_00_00_00;
    private const ulong BssidPrefixBase = 0x0A_00_00_00_00_00;
    private const ulong SwitchBase = 0x0C_00_00_00_00_00;
    private const ulong ChassisBase = 0x0E_00_00_00_00_00;
    private const ulong DeviceMacBase = 0x00_04_F2_00_00_00;
    private const ulong GatewayBase = 0x00_DE_AD_00_00_00;
    private const int PortsPerSwitch = 48;

    public WiremapGenerator(int elementCount, string tenantId = "bench")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(elementCount, 100);
        ElementCount = elementCount;
        TenantId = tenantId;
        ChassisPortCount = elementCount * 350 / 1000;
        BssidCount = elementCount * 300 / 1000;
        BssidPrefixCount = elementCount * 20 / 1000;
        ChassisCount = elementCount * 20 / 1000;
        DeviceMacCount = elementCount * 60 / 1000;
        GatewayMacCount = Math.Max(1, elementCount * 10 / 1000);
        PublicIpCount = Math.Max(1, elementCount * 10 / 1000);
        SubnetCount = elementCount - ChassisPortCount - BssidCount - BssidPrefixCount - ChassisCount - DeviceMacCount -
            GatewayMacCount - PublicIpCount - 2;
        LocationCount = Math.Max(1, elementCount / 20);
        SiteCount = Math.Max(1, LocationCount / 50);
    }

    public int ElementCount { get; }
    public string TenantId { get; }
    public int ChassisPortCount { get; }
    public int BssidCount { get; }
    public int BssidPrefixCount { get; }
    public int ChassisCount { get; }
    public int DeviceMacCount { get; }
    public int SubnetCount { get; }
    public int GatewayMacCount { get; }
    public int PublicIpCount { get; }
    public int LocationCount { get; }
    public int SiteCount { get; }

    /// <summary>Builds the tenant's wiremap (same output for the same size and tenant id).</summary>
    public TenantWiremap Generate(Guid? companyUuid = null)
    {
        var sites = new Site[SiteCount];
        for (var s = 0; s < SiteCount; s++)
        {
            sites[s] = new Site(SiteId(s), "Building " + s.ToString(CultureInfo.InvariantCulture), new CivicAddress
            {
                Country = "US",
                A1 = "TX",
                A3 = "Austin",
                HNO = (100 + s).ToString(CultureInfo.InvariantCulture),
                RD = "Congress",
                STS = "Ave",
                PC = "78701",
            }, new GeoPoint(30.2672 + (s * 1e-4), -97.7431), CallbackNumber: "+1512555" + (s % 10000).ToString("D4", CultureInfo.InvariantCulture));
        }
        var locations = new DispatchableLocation[LocationCount];
        for (var l = 0; l < LocationCount; l++)
        {
            locations[l] = new DispatchableLocation(LocationId(l), SiteId(l % SiteCount),
                Floor: ((l / SiteCount % 20) + 1).ToString(CultureInfo.InvariantCulture),
                Room: l.ToString(CultureInfo.InvariantCulture));
        }

        var elements = new List<NetworkElement>(ElementCount);
        var n = 0;
        for (var i = 0; i < BssidCount; i++)
            elements.Add(new NetworkElement(ElementKind.Bssid, Spell(BssidBase + ((ulong)i << 4), i), LocationId(n++ % LocationCount)));
        for (var i = 0; i < BssidPrefixCount; i++)
            elements.Add(new NetworkElement(ElementKind.BssidPrefix,
                i % 2 == 0 ? Spell(BssidPrefixBase + ((ulong)i << 4), 0)[..^1] + "*" : new MacAddress(BssidPrefixBase + ((ulong)i << 4)) + "/44",
                LocationId(n++ % LocationCount)));
        for (var i = 0; i < ChassisPortCount; i++)
            elements.Add(new NetworkElement(ElementKind.ChassisPort,
                Spell(SwitchBase + (ulong)(i / PortsPerSwitch), i) + "|" + PortName(i % PortsPerSwitch),
                LocationId(n++ % LocationCount)));
        for (var i = 0; i < ChassisCount; i++)
            elements.Add(new NetworkElement(ElementKind.Chassis, Spell(ChassisBase + (ulong)i, i), LocationId(n++ % LocationCount)));
        for (var i = 0; i < DeviceMacCount; i++)
            elements.Add(new NetworkElement(ElementKind.DeviceMac, Spell(DeviceMacBase + (ulong)i, i), LocationId(n++ % LocationCount)));
        for (var i = 0; i < SubnetCount; i++)
            elements.Add(new NetworkElement(ElementKind.Subnet, Subnet(i), LocationId(n++ % LocationCount)));
        for (var i = 0; i < GatewayMacCount; i++)
            elements.Add(new NetworkElement(ElementKind.GatewayMac, Spell(GatewayBase + (ulong)i, i), SiteId: SiteId(i % SiteCount)));
        for (var i = 0; i < PublicIpCount; i++)
            elements.Add(new NetworkElement(ElementKind.PublicIp, V4(0xC612_0000u + ((uint)i << 3)) + "/29", SiteId: SiteId(i % SiteCount)));
        elements.Add(new NetworkElement(ElementKind.Subnet, "100.64.0.0/10", OffPremises: true, Description: "VPN pool"));
        elements.Add(new NetworkElement(ElementKind.PublicIp, "203.0.113.0/24", OffPremises: true, Description: "VPN concentrator NAT"));

        return new TenantWiremap(new Tenant(TenantId, "Benchmark tenant", companyUuid, CallbackNumber: "+15125550000"),
            sites, locations, elements, [], []);
    }

    /// <summary>Evidence of a soft client associated with the <paramref name="i"/>-th exact BSSID.</summary>
    public Evidence BssidHit(int i) => new()
    {
        ServingBssid = new MacAddress(BssidBase + ((ulong)(i % BssidCount) << 4)),
        SourceAddress = SubnetHost(i),
    };

    /// <summary>Evidence of a desk phone reporting LLDP (RFC 7105 wire form) for the <paramref name="i"/>-th switch port.</summary>
    public Evidence ChassisPortHit(int i)
    {
        i %= ChassisPortCount;
        LldpId.TryParseHex(4, new MacAddress(SwitchBase + (ulong)(i / PortsPerSwitch)).ToString().Replace(":", "", StringComparison.Ordinal), out var chassis);
        LldpId.TryParseHex(5, Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(PortName(i % PortsPerSwitch))), out var port);
        return new Evidence
        {
            Lldp = [new LldpNeighbour(chassis!, port!)],
            DeviceMac = new MacAddress(0x00_04_F2_FF_00_00 + (ulong)i),
            SourceAddress = SubnetHost(i),
        };
    }

    /// <summary>Evidence of a device known only by its source address, inside the <paramref name="i"/>-th subnet.</summary>
    public Evidence SubnetHit(int i) => new() { SourceAddress = SubnetHost(i) };

    /// <summary>Evidence that matches nothing, with every field present (the slowest path).</summary>
    public Evidence Miss(int i) => new()
    {
        ServingBssid = new MacAddress(0x06_00_00_00_00_00 + (ulong)i),
        Lldp = [new LldpNeighbour(new LldpId(4, [6, 0, 0, 0, (byte)(i >> 8), (byte)i]), new LldpId(5, "Gi9/9/9"u8.ToArray()))],
        DeviceMac = new MacAddress(0x06_00_00_00_00_00 + (ulong)i),
        SourceAddress = new IPAddress([192, 0, 2, (byte)i]),
        GatewayMac = new MacAddress(0x06_00_00_00_00_00 + (ulong)i),
    };

    /// <summary>An address inside the <paramref name="i"/>-th IPv4 /26 subnet.</summary>
    public IPAddress SubnetHost(int i)
    {
        var v4Count = SubnetCount * 8 / 10;
        return IPAddress.Parse(V4(0x0A00_0000u + ((uint)(i % v4Count) << 6) + 10));
    }

    // Per 10 subnets: 8 IPv4 /26, 1 covering IPv4 /24, 1 IPv6 /64.
    private string Subnet(int i)
    {
        var v4Count = SubnetCount * 8 / 10;
        if (i < v4Count) return V4(0x0A00_0000u + ((uint)i << 6)) + "/26";
        var rest = i - v4Count;
        if (rest % 2 == 0) return V4(0x0A00_0000u + ((uint)rest << 8)) + "/24";
        return string.Create(CultureInfo.InvariantCulture, $"2001:db8:{rest >> 16:x}:{rest & 0xffff:x}::/64");
    }

    private static string V4(uint value) => string.Create(CultureInfo.InvariantCulture,
        $"{value >> 24}.{(value >> 16) & 0xff}.{(value >> 8) & 0xff}.{value & 0xff}");

    private static string PortName(int port) => string.Create(CultureInfo.InvariantCulture, $"Gi1/0/{port + 1}");

    private static string SiteId(int s) => "site-" + s.ToString(CultureInfo.InvariantCulture);

    private static string LocationId(int l) => "loc-" + l.ToString(CultureInfo.InvariantCulture);

    // Administrators paste MACs in every spelling; the index must normalise them all.
    private static string Spell(ulong mac, int variant)
    {
        var colon = new MacAddress(mac).ToString();
        var bare = colon.Replace(":", "", StringComparison.Ordinal);
        return (variant & 3) switch
        {
            0 => colon,
            1 => new MacAddress(mac).ToDashString().ToUpperInvariant(),
            2 => $"{bare[..4]}.{bare[4..8]}.{bare[8..]}",
            _ => bare.ToUpperInvariant(),
        };
    }
}
