using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Matching;

/// <summary>
/// The immutable in-memory index of every tenant's wiremap. Built off the request path and swapped atomically
/// (<see cref="WiremapIndexHolder"/>); a HELD request only reads it and never waits on a database.
/// </summary>
public sealed class WiremapIndex
{
    private readonly Dictionary<string, TenantIndex> _byId;
    private readonly Dictionary<Guid, TenantIndex> _byUuid;

    private WiremapIndex(long version, Dictionary<string, TenantIndex> byId, Dictionary<Guid, TenantIndex> byUuid)
    {
        Version = version;
        _byId = byId;
        _byUuid = byUuid;
    }

    /// <summary>An index with no tenants.</summary>
    public static WiremapIndex Empty { get; } = new(0, new(StringComparer.OrdinalIgnoreCase), []);

    /// <summary>Monotonic version of the wiremap this index was built from.</summary>
    public long Version { get; }

    /// <summary>All tenants.</summary>
    public IEnumerable<TenantIndex> Tenants => _byId.Values;

    /// <summary>Total number of network elements indexed.</summary>
    public int ElementCount => _byId.Values.Sum(t => t.ElementCount);

    /// <summary>Builds an index; elements whose value does not parse are skipped and counted.</summary>
    public static WiremapIndex Build(IEnumerable<TenantWiremap> tenants, long version)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        var byId = new Dictionary<string, TenantIndex>(StringComparer.OrdinalIgnoreCase);
        var byUuid = new Dictionary<Guid, TenantIndex>();
        foreach (var wiremap in tenants)
        {
            var index = TenantIndex.Build(wiremap);
            byId[wiremap.Tenant.Id] = index;
            if (wiremap.Tenant.CompanyUuid is { } uuid) byUuid[uuid] = index;
        }
        return new WiremapIndex(version, byId, byUuid);
    }

    /// <summary>Finds a tenant by id (case-insensitive) or by company UUID.</summary>
    public bool TryGetTenant(string? idOrUuid, out TenantIndex tenant)
    {
        tenant = null!;
        if (string.IsNullOrWhiteSpace(idOrUuid)) return false;
        if (_byId.TryGetValue(idOrUuid, out var byId)) { tenant = byId; return true; }
        if (Guid.TryParse(idOrUuid, out var uuid) && _byUuid.TryGetValue(uuid, out var byUuid)) { tenant = byUuid; return true; }
        return false;
    }
}

/// <summary>One tenant's part of the index.</summary>
public sealed class TenantIndex
{
    private Entry[] _entries = [];
    private readonly Dictionary<ulong, int> _bssid = [];
    private readonly PrefixTable _bssidPrefix = new();
    private readonly Dictionary<(ulong, ulong), int[]> _chassisPort = [];
    private readonly Dictionary<ulong, int[]> _chassis = [];
    private readonly Dictionary<ulong, int> _deviceMac = [];
    private readonly Dictionary<ulong, int> _gatewayMac = [];
    private readonly PrefixTable _subnetV4 = new();
    private readonly PrefixTable _subnetV6 = new();
    private readonly PrefixTable _publicV4 = new();
    private readonly PrefixTable _publicV6 = new();
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

    public int ElementCount => _entries.Length;

    /// <summary>Elements whose value did not parse when the index was built (validation should prevent this).</summary>
    public int SkippedElements { get; private set; }

    /// <summary>All resolved locations (dispatchable locations and whole sites).</summary>
    public IEnumerable<ResolvedLocation> Locations => _locations.Values;

    /// <summary>Finds a location (or a site, by its id) by id.</summary>
    public ResolvedLocation? FindLocation(string id) => _locations.GetValueOrDefault(id);

    /// <summary>Finds a DID; accepts "+15125550100", "15125550100", "tel:+1-512-555-0100", "sip:+15125550100@host".</summary>
    public bool TryGetDid(string number, out DidEntry entry)
    {
        entry = null!;
        var normalized = PhoneNumber.Normalize(number);
        return normalized is not null && _dids.TryGetValue(normalized, out entry!);
    }

    /// <summary>Locates a device from its evidence by the fixed precedence. Does not allocate.</summary>
    public MatchResult Match(Evidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        int hit;
        if (evidence.ServingBssid is { } serving)
        {
            if (_bssid.TryGetValue(serving.Value, out hit)) return Result(MatchRule.Bssid, EvidenceField.ServingBssid, hit);
            if (_bssidPrefix.TryMatch(serving.Value, out hit)) return Result(MatchRule.BssidPrefix, EvidenceField.ServingBssid, hit);
        }
        else
        {
            // Without a serving AP, a neighbour list only counts when every matching neighbour agrees.
            var neighbours = evidence.NeighbourBssids;
            for (var i = 0; i < neighbours.Count; i++)
            {
                if (_bssid.TryGetValue(neighbours[i].Value, out hit)) return Result(MatchRule.Bssid, EvidenceField.NeighbourBssid, hit);
            }
            for (var i = 0; i < neighbours.Count; i++)
            {
                if (_bssidPrefix.TryMatch(neighbours[i].Value, out hit)) return Result(MatchRule.BssidPrefix, EvidenceField.NeighbourBssid, hit);
            }
        }

        var lldp = evidence.Lldp;
        for (var i = 0; i < lldp.Count; i++)
        {
            var neighbour = lldp[i];
            if (_chassisPort.TryGetValue((neighbour.Chassis.Key, neighbour.Port.Key), out var candidates))
            {
                foreach (var c in candidates)
                {
                    var e = _entries[c];
                    if (e.Chassis!.Equals(neighbour.Chassis) && e.Port!.Equals(neighbour.Port))
                        return Result(MatchRule.ChassisPort, EvidenceField.Lldp, c);
                }
            }
        }
        for (var i = 0; i < lldp.Count; i++)
        {
            var neighbour = lldp[i];
            if (_chassis.TryGetValue(neighbour.Chassis.Key, out var candidates))
            {
                foreach (var c in candidates)
                {
                    if (_entries[c].Chassis!.Equals(neighbour.Chassis)) return Result(MatchRule.Chassis, EvidenceField.Lldp, c);
                }
            }
        }

        if (evidence.DeviceMac is { } mac && _deviceMac.TryGetValue(mac.Value, out hit))
            return Result(MatchRule.DeviceMac, EvidenceField.DeviceMac, hit);

        if (evidence.ReportedAddress is { } reported && TryMatchAddress(reported, _subnetV4, _subnetV6, out hit))
            return Result(MatchRule.Subnet, EvidenceField.ReportedAddress, hit);
        if (evidence.SourceAddress is { } source && TryMatchAddress(source, _subnetV4, _subnetV6, out hit))
            return Result(MatchRule.Subnet, EvidenceField.SourceAddress, hit);

        if (evidence.GatewayMac is { } gateway && _gatewayMac.TryGetValue(gateway.Value, out hit))
            return Result(MatchRule.GatewayMac, EvidenceField.GatewayMac, hit);
        if (evidence.SourceAddress is { } publicSource && TryMatchAddress(publicSource, _publicV4, _publicV6, out hit))
            return Result(MatchRule.PublicIp, EvidenceField.SourceAddress, hit);

        return MatchResult.NoMatch;
    }

    private static bool TryMatchAddress(IPAddress address, PrefixTable v4, PrefixTable v6, out int hit)
    {
        var number = IpPrefix.ToNumber(address);
        return IpPrefix.IsV4(address) ? v4.TryMatch(number, 32, out hit) : v6.TryMatch(number, 128, out hit);
    }

    private MatchResult Result(MatchRule rule, EvidenceField field, int entryIndex)
    {
        var entry = _entries[entryIndex];
        return new MatchResult(rule, field, entry.Element, entry.Location, entry.Element.OffPremises);
    }

    internal static TenantIndex Build(TenantWiremap wiremap)
    {
        var tenant = wiremap.Tenant;
        var sites = new Dictionary<string, Site>(StringComparer.Ordinal);
        var locations = new Dictionary<string, ResolvedLocation>(StringComparer.Ordinal);
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

        var entries = new List<Entry>(wiremap.Elements.Count);
        var skipped = 0;
        var index = new TenantIndex(wiremap, locations, dids);
        var chassisPort = new Dictionary<(ulong, ulong), List<int>>();
        var chassis = new Dictionary<ulong, List<int>>();
        foreach (var element in wiremap.Elements)
        {
            ResolvedLocation? target = null;
            var targetId = element.LocationId ?? element.SiteId;
            if (!element.OffPremises && (targetId is null || !locations.TryGetValue(targetId, out target)))
            {
                skipped++;
                continue;
            }
            var entryIndex = entries.Count;
            LldpId? chassisId = null, portId = null;
            var ok = element.Kind switch
            {
                ElementKind.Bssid => AddMac(index._bssid, element.Value, entryIndex),
                ElementKind.DeviceMac => AddMac(index._deviceMac, element.Value, entryIndex),
                ElementKind.GatewayMac => AddMac(index._gatewayMac, element.Value, entryIndex),
                ElementKind.BssidPrefix => MacPrefix.TryParse(element.Value, out var mp) && index._bssidPrefix.TryAdd(mp.Value, mp.Bits, 48, entryIndex),
                ElementKind.Subnet => AddPrefix(index._subnetV4, index._subnetV6, element.Value, entryIndex),
                ElementKind.PublicIp => AddPrefix(index._publicV4, index._publicV6, element.Value, entryIndex),
                ElementKind.Chassis => LldpId.TryParse(element.Value, isPort: false, out chassisId) && AddList(chassis, chassisId!.Key, entryIndex),
                ElementKind.ChassisPort => TryParseChassisPort(element.Value, out chassisId, out portId) && AddList(chassisPort, (chassisId!.Key, portId!.Key), entryIndex),
                _ => false,
            };
            if (!ok)
            {
                skipped++;
                continue;
            }
            entries.Add(new Entry(element, target, chassisId, portId));
        }

        index._entries = [.. entries];
        index.SkippedElements = skipped;
        foreach (var (k, v) in chassisPort) index._chassisPort[k] = [.. v];
        foreach (var (k, v) in chassis) index._chassis[k] = [.. v];
        return index;
    }

    /// <summary>Parses "chassis|port" where each side is an <see cref="LldpId"/> spelling.</summary>
    public static bool TryParseChassisPort(string value, out LldpId? chassis, out LldpId? port)
    {
        chassis = port = null;
        var bar = value.IndexOf('|', StringComparison.Ordinal);
        return bar > 0 &&
            LldpId.TryParse(value[..bar], isPort: false, out chassis) &&
            LldpId.TryParse(value[(bar + 1)..], isPort: true, out port);
    }

    private static bool AddMac(Dictionary<ulong, int> table, string value, int entryIndex) =>
        MacAddress.TryParse(value, out var mac) && table.TryAdd(mac.Value, entryIndex);

    private static bool AddPrefix(PrefixTable v4, PrefixTable v6, string value, int entryIndex) =>
        IpPrefix.TryParse(value, out var p) && (p.IsV6 ? v6 : v4).TryAdd(p.Network, p.Length, p.IsV6 ? 128 : 32, entryIndex);

    private static bool AddList<TKey>(Dictionary<TKey, List<int>> table, TKey key, int entryIndex)
        where TKey : notnull
    {
        if (!table.TryGetValue(key, out var list)) table[key] = list = new List<int>(1);
        list.Add(entryIndex);
        return true;
    }

    private sealed record Entry(NetworkElement Element, ResolvedLocation? Location, LldpId? Chassis, LldpId? Port);
}

/// <summary>A DID known to the wiremap.</summary>
public sealed record DidEntry(string Number, ResolvedLocation Location, string? CallbackNumber, bool HeldCapable, string? User);

/// <summary>A MAC prefix wildcard such as "00:11:22:33:44:5*" or "00:11:22:33:44:50/44".</summary>
public readonly record struct MacPrefix(ulong Value, int Bits)
{
    public static bool TryParse(string text, out MacPrefix prefix)
    {
        prefix = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            if (!MacAddress.TryParse(text.AsSpan(0, slash), out var mac) || !int.TryParse(text.AsSpan(slash + 1), out var bits) || bits is < 1 or > 48) return false;
            var mask = bits == 48 ? 0xFFFF_FFFF_FFFFUL : ~((1UL << (48 - bits)) - 1) & 0xFFFF_FFFF_FFFFUL;
            if ((mac.Value & ~mask & 0xFFFF_FFFF_FFFFUL) != 0) return false;
            prefix = new MacPrefix(mac.Value, bits);
            return true;
        }
        if (!text.EndsWith('*')) return false;
        ulong value = 0;
        var digits = 0;
        foreach (var c in text.AsSpan(0, text.Length - 1))
        {
            var n = MacAddress.HexValue(c);
            if (n < 0)
            {
                if (c is ':' or '-' or '.') continue;
                return false;
            }
            if (++digits > 11) return false;
            value = (value << 4) | (uint)n;
        }
        if (digits == 0) return false;
        prefix = new MacPrefix(value << (4 * (12 - digits)), digits * 4);
        return true;
    }
}

/// <summary>Longest-prefix match over up to 128-bit keys: one hash table per prefix length, longest first.</summary>
internal sealed class PrefixTable
{
    private readonly Dictionary<UInt128, int>[] _byLength = new Dictionary<UInt128, int>[129];
    private int[] _lengths = [];

    public bool TryAdd(UInt128 network, int length, int width, int entryIndex)
    {
        _ = width;
        var table = _byLength[length];
        if (table is null)
        {
            _byLength[length] = table = [];
            _lengths = [.. _lengths.Append(length).OrderDescending()];
        }
        return table.TryAdd(network, entryIndex);
    }

    public bool TryMatch(UInt128 value, int width, out int entryIndex)
    {
        foreach (var length in _lengths)
        {
            var mask = length == 0 ? UInt128.Zero : (UInt128.MaxValue << (width - length)) & (width == 128 ? UInt128.MaxValue : ((UInt128)1 << width) - 1);
            if (_byLength[length].TryGetValue(value & mask, out entryIndex)) return true;
        }
        entryIndex = -1;
        return false;
    }

    public bool TryMatch(ulong mac, out int entryIndex) => TryMatch(mac, 48, out entryIndex);
}
