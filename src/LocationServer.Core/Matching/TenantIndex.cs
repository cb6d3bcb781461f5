using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Matching;

/// <summary>
/// One tenant's part of the index. Every lookup table is keyed by a number (a MAC, an address, a hash of LLDP
/// octets), so <see cref="Match"/> costs a handful of hash probes whatever the wiremap size and allocates nothing.
/// </summary>
public sealed class TenantIndex
{
    private Entry[] _entries = [];
    // Entries sharing an LLDP hash key are chained through _next (-1 ends a chain); one chain per key.
    private int[] _next = [];
    private LldpIds[] _lldp = [];
    private readonly FlatMap<ulong> _bssid = new();
    private readonly PrefixTable<ulong> _bssidPrefix = new();
    private readonly FlatMap<ulong> _chassisPort = new();
    private readonly FlatMap<ulong> _chassis = new();
    private readonly FlatMap<ulong> _deviceMac = new();
    private readonly FlatMap<ulong> _gatewayMac = new();
    private readonly IpPrefixTable _subnets = new();
    private readonly IpPrefixTable _publicIps = new();
    private readonly Dictionary<string, ResolvedLocation> _locations;
    private readonly Dictionary<string, DidEntry> _dids;

    private TenantIndex(TenantWiremap wiremap, Dictionary<string, ResolvedLocation> locations, Dictionary<string, DidEntry> dids)
    {
        Tenant = wiremap.Tenant;
        Requesters = wiremap.Requesters;
        _locations = locations;
        _dids = dids;
    }

    public Tenant Tenant { get; }

    public IReadOnlyList<Requester> Requesters { get; }

    /// <summary>The tenant's emergency policies, resolved per site and network.</summary>
    public PolicyIndex Policies { get; private set; } = PolicyIndex.Empty;

    /// <summary>Number of network elements indexed.</summary>
    public int ElementCount => _entries.Length;

    /// <summary>
    /// Elements left out when the index was built: values that do not parse, duplicates of an earlier element, and
    /// elements whose location or site does not exist (validation should prevent all three).
    /// </summary>
    public int SkippedElements { get; private set; }

    /// <summary>All resolved locations (dispatchable locations and whole sites).</summary>
    public IEnumerable<ResolvedLocation> Locations => _locations.Values;

    /// <summary>Finds a location (or a site, by its id) by id.</summary>
    public ResolvedLocation? FindLocation(string id) => _locations.GetValueOrDefault(id);

    /// <summary>All DIDs, keyed by E.164 number.</summary>
    public IEnumerable<DidEntry> Dids => _dids.Values;

    /// <summary>Finds a DID; accepts "+15125550100", "15125550100", "tel:+1-512-555-0100", "sip:+15125550100@host".</summary>
    public bool TryGetDid(string number, out DidEntry entry)
    {
        entry = null!;
        var normalized = PhoneNumber.Normalize(number);
        return normalized is not null && _dids.TryGetValue(normalized, out entry!);
    }

    /// <summary>
    /// Locates a device from its evidence by the fixed precedence (DOMAIN.md): serving BSSID (exact, then prefix;
    /// neighbour BSSIDs only without a serving AP and only when every matching neighbour agrees) → LLDP
    /// chassis+port → LLDP chassis → pinned device MAC → subnet of the reported address, then of the source
    /// address (longest prefix) → gateway MAC → public IP of the source. Physical attachment (BSSID, LLDP) is
    /// trusted first; after it, a source (or reported) address whose longest matching range is off-premises
    /// (VPN/NAT) answers <see cref="MatchResult.OffPremises"/> before a pinned MAC or an overlapping home subnet
    /// can give a wrong address. Does not allocate.
    /// </summary>
    public MatchResult Match(Evidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        int hit;
        if (evidence.ServingBssid is { } serving)
        {
            if (_bssid.TryGetValue(serving.Value, out hit)) return Result(MatchRule.Bssid, EvidenceField.ServingBssid, hit);
            if (_bssidPrefix.Count > 0 && _bssidPrefix.TryMatch(serving.Value << 16, out hit))
                return Result(MatchRule.BssidPrefix, EvidenceField.ServingBssid, hit);
        }
        else if (evidence.NeighbourBssids is { Count: > 0 } neighbours)
        {
            hit = AgreeingNeighbour(neighbours, prefix: false);
            if (hit >= 0) return Result(MatchRule.Bssid, EvidenceField.NeighbourBssid, hit);
            if (hit == -1 && _bssidPrefix.Count > 0)
            {
                hit = AgreeingNeighbour(neighbours, prefix: true);
                if (hit >= 0) return Result(MatchRule.BssidPrefix, EvidenceField.NeighbourBssid, hit);
            }
        }

        if (evidence.Lldp is { Count: > 0 } lldp)
        {
            if (_chassisPort.Count > 0)
            {
                for (var i = 0; i < lldp.Count; i++)
                {
                    var neighbour = lldp[i];
                    if (neighbour?.Chassis is null || neighbour.Port is null) continue;
                    if (_chassisPort.TryGetValue(ChassisPortKey(neighbour.Chassis.Key, neighbour.Port.Key), out var head) &&
                        (hit = FindLldp(head, neighbour.Chassis, neighbour.Port)) >= 0)
                        return Result(MatchRule.ChassisPort, EvidenceField.Lldp, hit);
                }
            }
            if (_chassis.Count > 0)
            {
                for (var i = 0; i < lldp.Count; i++)
                {
                    var neighbour = lldp[i];
                    if (neighbour?.Chassis is null) continue;
                    if (_chassis.TryGetValue(neighbour.Chassis.Key, out var head) &&
                        (hit = FindLldp(head, neighbour.Chassis, null)) >= 0)
                        return Result(MatchRule.Chassis, EvidenceField.Lldp, hit);
                }
            }
        }

        var source = evidence.SourceAddress;
        var reported = evidence.ReportedAddress;
        var sourceSubnet = source is not null && _subnets.TryMatch(source, out hit) ? hit : -1;
        var sourcePublic = sourceSubnet < 0 && source is not null && _publicIps.TryMatch(source, out hit) ? hit : -1;
        var reportedSubnet = reported is not null && _subnets.TryMatch(reported, out hit) ? hit : -1;
        if (IsOffPremises(sourceSubnet)) return Result(MatchRule.Subnet, EvidenceField.SourceAddress, sourceSubnet);
        if (IsOffPremises(sourcePublic)) return Result(MatchRule.PublicIp, EvidenceField.SourceAddress, sourcePublic);
        if (IsOffPremises(reportedSubnet)) return Result(MatchRule.Subnet, EvidenceField.ReportedAddress, reportedSubnet);

        if (evidence.DeviceMac is { } mac && _deviceMac.TryGetValue(mac.Value, out hit))
            return Result(MatchRule.DeviceMac, EvidenceField.DeviceMac, hit);

        if (reportedSubnet >= 0) return Result(MatchRule.Subnet, EvidenceField.ReportedAddress, reportedSubnet);
        if (sourceSubnet >= 0) return Result(MatchRule.Subnet, EvidenceField.SourceAddress, sourceSubnet);

        if (evidence.GatewayMac is { } gateway && _gatewayMac.TryGetValue(gateway.Value, out hit))
            return Result(MatchRule.GatewayMac, EvidenceField.GatewayMac, hit);
        if (sourcePublic >= 0) return Result(MatchRule.PublicIp, EvidenceField.SourceAddress, sourcePublic);

        return MatchResult.NoMatch;
    }

    // >= 0: the entry every matching neighbour agrees on; -1: no neighbour matched; -2: neighbours disagree.
    private int AgreeingNeighbour(IReadOnlyList<MacAddress> neighbours, bool prefix)
    {
        var found = -1;
        for (var i = 0; i < neighbours.Count; i++)
        {
            int hit;
            var matched = prefix
                ? _bssidPrefix.TryMatch(neighbours[i].Value << 16, out hit)
                : _bssid.TryGetValue(neighbours[i].Value, out hit);
            if (!matched) continue;
            if (found < 0) found = hit;
            else if (!ReferenceEquals(_entries[found].Location, _entries[hit].Location) ||
                _entries[found].OffPremises != _entries[hit].OffPremises) return -2;
        }
        return found;
    }

    // Walks one chain; an entry whose subtypes equal the reported ones wins over a wildcard (subtype 0) entry.
    private int FindLldp(int head, LldpId chassis, LldpId? port)
    {
        var wildcard = -1;
        for (var c = head; c >= 0; c = _next[c])
        {
            ref readonly var e = ref _lldp[c];
            if (!e.Chassis.Equals(chassis) || (port is not null && !e.Port!.Equals(port))) continue;
            if (e.Chassis.Subtype == chassis.Subtype && (port is null || e.Port!.Subtype == port.Subtype)) return c;
            if (wildcard < 0) wildcard = c;
        }
        return wildcard;
    }

    private bool IsOffPremises(int entryIndex) => entryIndex >= 0 && _entries[entryIndex].OffPremises;

    private MatchResult Result(MatchRule rule, EvidenceField field, int entryIndex)
    {
        ref readonly var entry = ref _entries[entryIndex];
        return new MatchResult(rule, field, entry.Element, entry.Location, entry.OffPremises);
    }

    private static ulong ChassisPortKey(ulong chassis, ulong port) =>
        chassis ^ (BitOperations.RotateLeft(port, 29) * 0x9E37_79B9_7F4A_7C15UL);

    internal static TenantIndex Build(TenantWiremap wiremap)
    {
        ArgumentNullException.ThrowIfNull(wiremap);
        var tenant = wiremap.Tenant;
        var sites = new Dictionary<string, Site>(StringComparer.Ordinal);
        var locations = new Dictionary<string, ResolvedLocation>(wiremap.Sites.Count + wiremap.Locations.Count, StringComparer.Ordinal);
        foreach (var site in wiremap.Sites)
        {
            sites[site.Id] = site;
            locations[site.Id] = new ResolvedLocation
            {
                Id = site.Id,
                TenantId = tenant.Id,
                SiteId = site.Id,
                Civic = site.Address,
                Point = site.Point,
                CallbackNumber = site.CallbackNumber ?? tenant.CallbackNumber,
                IsSiteLevel = true,
                Display = site.Address.ToDisplayString(),
            };
        }
        foreach (var location in wiremap.Locations)
        {
            if (!sites.TryGetValue(location.SiteId, out var site)) continue;
            var civic = site.Address with
            {
                FLR = location.Floor ?? site.Address.FLR,
                UNIT = location.Unit ?? site.Address.UNIT,
                ROOM = location.Room ?? site.Address.ROOM,
                LOC = location.Text ?? site.Address.LOC,
            };
            locations[location.Id] = new ResolvedLocation
            {
                Id = location.Id,
                TenantId = tenant.Id,
                SiteId = site.Id,
                Civic = civic,
                Point = location.Point ?? site.Point,
                Elins = location.Elins ?? [],
                CallbackNumber = location.CallbackNumber ?? site.CallbackNumber ?? tenant.CallbackNumber,
                Display = civic.ToDisplayString(),
            };
        }

        var dids = new Dictionary<string, DidEntry>(StringComparer.Ordinal);
        foreach (var did in wiremap.Dids)
        {
            var number = PhoneNumber.Normalize(did.Number);
            if (number is null || !locations.TryGetValue(did.LocationId, out var at)) continue;
            dids[number] = new DidEntry(number, at, did.CallbackNumber ?? at.CallbackNumber, did.HeldCapable, did.User);
        }

        var index = new TenantIndex(wiremap, locations, dids);
        var elements = wiremap.Elements;
        var entries = new Entry[elements.Count];
        var next = new int[elements.Count];
        var lldpIds = new LldpIds[elements.Count];
        var count = 0;
        var skipped = 0;
        for (var i = 0; i < elements.Count; i++)
        {
            var element = elements[i];
            ResolvedLocation? target = null;
            var targetId = element.LocationId ?? element.SiteId;
            if (!element.OffPremises && (targetId is null || !locations.TryGetValue(targetId, out target)))
            {
                skipped++;
                continue;
            }
            LldpId? chassisId = null, portId = null;
            next[count] = -1;
            lldpIds[count] = default;
            var ok = element.Kind switch
            {
                ElementKind.Bssid or ElementKind.BssidPrefix => index.AddBssid(element.Value, count),
                ElementKind.DeviceMac => AddMac(index._deviceMac, element.Value, count),
                ElementKind.GatewayMac => AddMac(index._gatewayMac, element.Value, count),
                ElementKind.Subnet => IpPrefix.TryParse(element.Value, out var subnet) && index._subnets.TryAdd(subnet, count),
                ElementKind.PublicIp => IpPrefix.TryParse(element.Value, out var range) && index._publicIps.TryAdd(range, count),
                ElementKind.Chassis =>
                    LldpId.TryParse(element.Value, isPort: false, out chassisId) &&
                    AddLldp(index._chassis, chassisId!.Key, chassisId, null, lldpIds, next, count),
                ElementKind.ChassisPort =>
                    TryParseChassisPort(element.Value, out chassisId, out portId) &&
                    AddLldp(index._chassisPort, ChassisPortKey(chassisId!.Key, portId!.Key), chassisId, portId, lldpIds, next, count),
                _ => false,
            };
            if (!ok)
            {
                skipped++;
                continue;
            }
            entries[count] = new Entry(element, target, element.OffPremises);
            if (chassisId is not null) lldpIds[count] = new LldpIds(chassisId, portId);
            count++;
        }

        index._entries = count == entries.Length ? entries : entries[..count];
        index._next = count == next.Length ? next : next[..count];
        index._lldp = count == lldpIds.Length ? lldpIds : lldpIds[..count];
        index._bssidPrefix.Freeze();
        index._subnets.Freeze();
        index._publicIps.Freeze();
        index.SkippedElements = skipped;
        index.Policies = PolicyIndex.Build(wiremap);
        return index;
    }

    /// <summary>Parses "chassis|port" where each side is an <see cref="LldpId"/> spelling.</summary>
    public static bool TryParseChassisPort(string value, out LldpId? chassis, out LldpId? port)
    {
        chassis = port = null;
        if (value is null) return false;
        var bar = value.IndexOf('|', StringComparison.Ordinal);
        return bar > 0 &&
            LldpId.TryParse(value[..bar], isPort: false, out chassis) &&
            LldpId.TryParse(value[(bar + 1)..], isPort: true, out port);
    }

    // An exact BSSID goes to the exact table; a wildcard ("...:5*", "/44") given under either kind to the prefix table.
    private bool AddBssid(string value, int entryIndex)
    {
        if (MacAddress.TryParse(value, out var mac)) return _bssid.TryAdd(mac.Value, entryIndex);
        return MacPrefix.TryParse(value, out var prefix) &&
            (prefix.Bits == 48 ? _bssid.TryAdd(prefix.Value, entryIndex) : _bssidPrefix.TryAdd(prefix.Value << 16, prefix.Bits, entryIndex));
    }

    private static bool AddMac(FlatMap<ulong> table, string value, int entryIndex) =>
        MacAddress.TryParse(value, out var mac) && table.TryAdd(mac.Value, entryIndex);

    private static bool AddLldp(FlatMap<ulong> table, ulong key, LldpId chassis, LldpId? port, LldpIds[] lldp, int[] next, int entryIndex)
    {
        if (!table.TryGetValue(key, out var head)) return table.TryAdd(key, entryIndex);
        // Append, so that among equally good entries the first in the wiremap wins.
        for (var c = head; ; c = next[c])
        {
            ref readonly var e = ref lldp[c];
            if (SameId(e.Chassis, chassis) && (port is null || SameId(e.Port!, port))) return false;
            if (next[c] < 0)
            {
                next[c] = entryIndex;
                return true;
            }
        }
    }

    private static bool SameId(LldpId a, LldpId b) => a.Subtype == b.Subtype && a.Octets.AsSpan().SequenceEqual(b.Octets);

    // Kept small: a hit reads one Entry; LLDP IDs live apart because only LLDP rules compare them.
    private readonly record struct Entry(NetworkElement Element, ResolvedLocation? Location, bool OffPremises);

    private readonly record struct LldpIds(LldpId Chassis, LldpId? Port);
}

/// <summary>A DID known to the wiremap.</summary>
public sealed record DidEntry(string Number, ResolvedLocation Location, string? CallbackNumber, bool HeldCapable, string? User);

/// <summary>
/// IPv4 and IPv6 ranges: IPv4 (and IPv4-mapped IPv6) on 32-bit keys, IPv6 up to /64 on the upper 64 bits, longer
/// IPv6 prefixes on 128-bit keys.
/// </summary>
internal sealed class IpPrefixTable
{
    private readonly PrefixTable<uint> _v4 = new();
    private readonly PrefixTable<ulong> _v6 = new();
    private readonly PrefixTable<UInt128> _v6Long = new();

    public bool TryAdd(IpPrefix prefix, int entryIndex)
    {
        if (!prefix.IsV6) return _v4.TryAdd((uint)prefix.Network, prefix.Length, entryIndex);
        return prefix.Length <= 64
            ? _v6.TryAdd((ulong)(prefix.Network >> 64), prefix.Length, entryIndex)
            : _v6Long.TryAdd(prefix.Network, prefix.Length, entryIndex);
    }

    public void Freeze()
    {
        _v4.Freeze();
        _v6.Freeze();
        _v6Long.Freeze();
    }

    public bool TryMatch(IPAddress address, out int entryIndex)
    {
        entryIndex = -1;
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written)) return false;
        if (written == 4) return _v4.Count > 0 && _v4.TryMatch(BinaryPrimitives.ReadUInt32BigEndian(bytes), out entryIndex);
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        if (IsV4Mapped(bytes)) return _v4.Count > 0 && _v4.TryMatch(BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]), out entryIndex);
        if (_v6Long.Count > 0 && _v6Long.TryMatch(BinaryPrimitives.ReadUInt128BigEndian(bytes), out entryIndex)) return true;
        return _v6.Count > 0 && _v6.TryMatch(BinaryPrimitives.ReadUInt64BigEndian(bytes), out entryIndex);
    }

    private static bool IsV4Mapped(ReadOnlySpan<byte> bytes) =>
        BinaryPrimitives.ReadUInt64LittleEndian(bytes) == 0 && bytes[8] == 0 && bytes[9] == 0 && bytes[10] == 0xFF && bytes[11] == 0xFF;
}
