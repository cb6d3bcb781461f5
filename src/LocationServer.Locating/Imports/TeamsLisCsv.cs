using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using CsvHelper;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;

namespace LocationServer.Locating.Imports;

/// <summary>
/// Microsoft Teams online LIS files: what an administrator pipes into <c>New-CsOnlineLisCivicAddress</c>,
/// <c>New-CsOnlineLisLocation</c>, <c>Set-CsOnlineLisSubnet</c>, <c>Set-CsOnlineLisWirelessAccessPoint</c>,
/// <c>Set-CsOnlineLisSwitch</c> and <c>Set-CsOnlineLisPort</c> with <c>Import-Csv</c>, or gets from
/// <c>Get-CsOnlineLis* | Export-Csv</c>. Columns are the cmdlet parameter names. A civic address is a site (it
/// remembers its <c>CivicAddressId</c> and <c>DefaultLocationId</c>), a location a dispatchable location in it (it
/// remembers its <c>LocationId</c>); the network files name a <c>LocationId</c>, resolved against those remembered
/// ids or, for objects that never met a Teams file, the ids our own Teams export gives them
/// (<see cref="DerivedId"/>). Exports write the same files.
/// </summary>
internal static class TeamsLisCsv
{
    /// <summary>Column → RFC 5139 element for the civic columns of <c>New-CsOnlineLisCivicAddress</c>.</summary>
    public static readonly IReadOnlyList<(string Column, string Element)> Civic =
    [
        ("CompanyName", "NAM"), ("HouseNumber", "HNO"), ("HouseNumberSuffix", "HNS"), ("PreDirectional", "PRD"),
        ("StreetName", "RD"), ("StreetSuffix", "STS"), ("PostDirectional", "POD"), ("City", "A3"), ("StateOrProvince", "A1"),
        ("PostalCode", "PC"), ("CountryOrRegion", "country"),
    ];

    /// <summary>The columns each format reads; any other column of an export is ignored and named in the answer.</summary>
    public static string[] ColumnsRead(CsvImportFormat format) => format switch
    {
        CsvImportFormat.TeamsCivicAddress => ["CivicAddressId", "DefaultLocationId", "Description", "Latitude", "Longitude", .. Civic.Select(c => c.Column)],
        CsvImportFormat.TeamsLocation => ["LocationId", "CivicAddressId", "Location", "Elin", "Latitude", "Longitude"],
        CsvImportFormat.TeamsSubnet => ["Subnet", "LocationId", "Description"],
        CsvImportFormat.TeamsWirelessAccessPoint => ["BSSID", "LocationId", "Description"],
        CsvImportFormat.TeamsSwitch => ["ChassisID", "LocationId", "Description"],
        _ => ["ChassisID", "PortID", "LocationId", "Description"],
    };

    public static bool IsTeams(CsvImportFormat format) => format is CsvImportFormat.TeamsCivicAddress or CsvImportFormat.TeamsLocation or CsvImportFormat.TeamsSubnet
        or CsvImportFormat.TeamsWirelessAccessPoint or CsvImportFormat.TeamsSwitch or CsvImportFormat.TeamsPort;

    public static void Apply(CsvImportFormat format, CsvTable table, WiremapEdit edit, CsvImportSettings settings, ImportErrors errors)
    {
        string[] keys = format switch
        {
            CsvImportFormat.TeamsCivicAddress => ["CivicAddressId"],
            CsvImportFormat.TeamsLocation => ["LocationId", "CivicAddressId"],
            CsvImportFormat.TeamsSubnet => ["Subnet", "LocationId"],
            CsvImportFormat.TeamsWirelessAccessPoint => ["BSSID", "LocationId"],
            CsvImportFormat.TeamsSwitch => ["ChassisID", "LocationId"],
            _ => ["ChassisID", "PortID", "LocationId"],
        };
        foreach (var key in keys.Where(k => !table.Has(k))) errors.Add(table.HeaderLine, null, $"the column {key} is missing");
        if (errors.Count > 0) return;
        switch (format)
        {
            case CsvImportFormat.TeamsCivicAddress:
                CivicAddresses(table, edit, errors);
                break;
            case CsvImportFormat.TeamsLocation:
                Locations(table, edit, errors);
                break;
            default:
                Network(format, table, edit, settings, errors);
                break;
        }
    }

    private static void CivicAddresses(CsvTable table, WiremapEdit edit, ImportErrors errors)
    {
        var ids = new TeamsIds(edit);
        var seen = new Dictionary<Guid, int>();
        var seenDefault = new Dictionary<Guid, int>();
        foreach (var row in table.Rows)
        {
            var before = errors.Count;
            var civicId = ReadGuid(table, row, "CivicAddressId", required: true, errors);
            var defaultId = ReadGuid(table, row, "DefaultLocationId", required: false, errors);
            var address = AddressColumns.Read(table, row, Civic, errors, out _);
            var point = ReadPoint(table, row, errors);
            if (address is null) errors.Add(row.Line, null, "no address: a civic address needs HouseNumber, StreetName, City, StateOrProvince, PostalCode and CountryOrRegion");
            if (errors.Count > before || civicId is not { } civic) continue;
            if (!seen.TryAdd(civic, row.Line))
            {
                errors.Add(row.Line, "CivicAddressId", $"the same civic address as line {seen[civic]}");
                continue;
            }
            if (defaultId is { } d && !seenDefault.TryAdd(d, row.Line))
            {
                errors.Add(row.Line, "DefaultLocationId", $"the same LocationId as line {seenDefault[d]}");
                continue;
            }
            var siteId = ids.SiteOfCivic(civic) ?? edit.SiteFor(address!, row.Line);
            var site = edit.FindSite(siteId)!;
            if (site.TeamsCivicAddressId is { } other && other != civic)
            {
                errors.Add(row.Line, "CivicAddressId", $"the address is site '{siteId}', which is Teams civic address {other}");
                continue;
            }
            if (defaultId is { } taken && ids.Resolve(taken) is { } holder && holder != (siteId, null))
            {
                errors.Add(row.Line, "DefaultLocationId", $"{taken} is already the LocationId of {Describe(holder)}");
                continue;
            }
            var description = table.Get(row, "Description");
            var next = site with
            {
                // Matched by its CivicAddressId, the site takes the file's address, as Set-CsOnlineLisCivicAddress
                // would; an address that reads the same in Teams' columns keeps the elements Teams has no column for.
                Address = SameInTeams(site.Address, address!) ? site.Address : address!,
                Name = description ?? site.Name,
                // An id that is the one our export derives for this site needs no remembering.
                TeamsCivicAddressId = civic == CivicIdOf(edit.TenantId, site) ? site.TeamsCivicAddressId : civic,
                TeamsLocationId = defaultId is not { } given || given == DefaultLocationIdOf(edit.TenantId, site) ? site.TeamsLocationId : given,
            };
            if (point is not null && !SamePoint(point, site.Point)) next = next with { Point = point, GeocodedVersion = null };
            edit.PutSite(next, row.Line);
            ids.Remember(civic, defaultId, siteId);
        }
    }

    private static void Locations(CsvTable table, WiremapEdit edit, ImportErrors errors)
    {
        var ids = new TeamsIds(edit);
        var seen = new Dictionary<Guid, int>();
        foreach (var row in table.Rows)
        {
            var before = errors.Count;
            var locationId = ReadGuid(table, row, "LocationId", required: true, errors);
            var civicId = ReadGuid(table, row, "CivicAddressId", required: true, errors);
            var point = ReadPoint(table, row, errors);
            var text = table.Get(row, "Location");
            var elin = table.Get(row, "Elin");
            string? siteId = null;
            if (civicId is { } civic && (siteId = ids.SiteOfCivic(civic)) is null)
                errors.Add(row.Line, "CivicAddressId", $"no civic address {civic} (import the civic address file first)");
            if (errors.Count > before || locationId is not { } id || siteId is null) continue;
            if (!seen.TryAdd(id, row.Line))
            {
                errors.Add(row.Line, "LocationId", $"the same location as line {seen[id]}");
                continue;
            }
            var held = ids.Resolve(id);
            if (text is null)
            {
                // The civic address's default location: the building itself.
                if (held is { } h && h != (siteId, null))
                {
                    errors.Add(row.Line, "LocationId", $"{id} is already the LocationId of {Describe(h)}");
                    continue;
                }
                var owner = edit.FindSite(siteId)!;
                if (id != DefaultLocationIdOf(edit.TenantId, owner)) edit.PutSite(owner with { TeamsLocationId = id }, row.Line);
                ids.Remember(null, id, siteId);
                continue;
            }
            DispatchableLocation location;
            if (held is { Location: { } existingId })
            {
                location = edit.FindLocation(existingId)!;
                if (location.SiteId != siteId)
                {
                    errors.Add(row.Line, "CivicAddressId", $"location '{existingId}' is in site '{location.SiteId}'; a location does not move between civic addresses");
                    continue;
                }
                // Teams knows one text; a location whose floor, room and text read as this text is left as it is.
                if (!string.Equals(Label(location), text, StringComparison.OrdinalIgnoreCase) && !string.Equals(location.Text, text, StringComparison.OrdinalIgnoreCase))
                    location = location with { Floor = null, Unit = null, Room = null, Text = text };
            }
            else if (held is { } h)
            {
                errors.Add(row.Line, "LocationId", $"{id} is already the LocationId of {Describe(h)}");
                continue;
            }
            else
            {
                location = edit.FindLocation(edit.LocationFor(siteId, null, null, text, row.Line))!;
                if (location.TeamsLocationId is { } other && other != id)
                {
                    errors.Add(row.Line, "Location", $"site '{siteId}' already has '{text}' as Teams location {other}");
                    continue;
                }
            }
            if (id != LocationIdOf(edit.TenantId, location)) location = location with { TeamsLocationId = id };
            // Teams holds one ELIN per location; one the location already has keeps the others.
            if (elin is not null && !(location.Elins ?? []).Contains(elin, StringComparer.Ordinal)) location = location with { Elins = [elin] };
            if (point is not null && !SamePoint(point, location.Point)) location = location with { Point = point, GeocodedVersion = null };
            edit.PutLocation(location, row.Line);
            ids.Remember(null, id, siteId, location.Id);
        }
    }

    private static void Network(CsvImportFormat format, CsvTable table, WiremapEdit edit, CsvImportSettings settings, ImportErrors errors)
    {
        var ids = new TeamsIds(edit);
        var subnets = new Dictionary<string, string>(StringComparer.Ordinal);
        var ports = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var element in edit.Elements)
        {
            if (element.Kind == ElementKind.Subnet && IpPrefix.TryParse(element.Value, out var prefix)) subnets.TryAdd(NetworkAddress(prefix), element.Value);
            if (element.Kind == ElementKind.ChassisPort && TenantIndex.TryParseChassisPort(element.Value, out var c, out var p)) ports.TryAdd(PortKey(c!, p!), element.Value);
        }
        var seen = new Dictionary<(ElementKind, string), int>();
        foreach (var row in table.Rows)
        {
            var before = errors.Count;
            var (kind, value, keyColumn) = format switch
            {
                CsvImportFormat.TeamsSubnet => Subnet(table.Get(row, "Subnet"), settings, subnets, row, errors),
                CsvImportFormat.TeamsWirelessAccessPoint => Bssid(table.Get(row, "BSSID"), row, errors),
                CsvImportFormat.TeamsSwitch => Chassis(table.Get(row, "ChassisID"), row, errors),
                _ => Port(table, row, ports, errors),
            };
            var locationId = ReadGuid(table, row, "LocationId", required: true, errors);
            (string Site, string? Location)? target = null;
            if (locationId is { } id && (target = ids.Resolve(id)) is null)
                errors.Add(row.Line, "LocationId", $"no location {id} (import the civic address and location files first)");
            if (errors.Count > before || value is null || target is not { } to) continue;
            var normalized = WiremapValidator.NormalizeElementValue(kind, value) ?? value;
            if (!seen.TryAdd((kind, normalized), row.Line))
            {
                errors.Add(row.Line, keyColumn, $"the same {Noun(format)} as line {seen[(kind, normalized)]}");
                continue;
            }
            var description = table.Get(row, "Description");
            var existing = edit.FindElement(kind, value);
            var element = to.Location is { } location
                ? new NetworkElement(kind, existing?.Value ?? value, LocationId: location, Description: description)
                : new NetworkElement(kind, existing?.Value ?? value, SiteId: to.Site, Description: description);
            edit.PutElement(element, row.Line);
        }
    }

    private static string Noun(CsvImportFormat format) => format switch
    {
        CsvImportFormat.TeamsSubnet => "subnet",
        CsvImportFormat.TeamsWirelessAccessPoint => "access point",
        CsvImportFormat.TeamsSwitch => "switch",
        _ => "port",
    };

    private static (ElementKind, string?, string) Subnet(string? text, CsvImportSettings settings, Dictionary<string, string> existing, CsvRow row, ImportErrors errors)
    {
        const string column = "Subnet";
        if (text is null) return Missing(ElementKind.Subnet, column, row, errors);
        if (!text.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(text, out var address))
        {
            // Teams names a subnet by its network ID alone: one the tenant already has, of any length, is that subnet.
            if (existing.TryGetValue(address.ToString(), out var known)) return (ElementKind.Subnet, known, column);
            var length = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? settings.Ipv6PrefixLength : settings.Ipv4PrefixLength;
            var value = $"{address}/{length.ToString(CultureInfo.InvariantCulture)}";
            if (WiremapValidator.NormalizeElementValue(ElementKind.Subnet, value) is not null) return (ElementKind.Subnet, value, column);
            errors.Add(row.Line, column, $"'{text}' is not a subnet's network address for a /{length} (set the prefix length for this file)");
            return (ElementKind.Subnet, null, column);
        }
        errors.Add(row.Line, column, $"'{text}' is not an IPv4 or IPv6 network address (10.1.3.0, 2001:db8:20::)");
        return (ElementKind.Subnet, null, column);
    }

    private static (ElementKind, string?, string) Bssid(string? text, CsvRow row, ImportErrors errors)
    {
        const string column = "BSSID";
        if (text is null) return Missing(ElementKind.Bssid, column, row, errors);
        if (text.EndsWith('*'))
        {
            // Set-CsOnlineLisWirelessAccessPoint: the wildcard covers the last one or two hex digits.
            if (MacPrefix.TryParse(text, out var prefix) && prefix.Bits is 40 or 44) return (ElementKind.BssidPrefix, text, column);
            errors.Add(row.Line, column, $"'{text}' is not a BSSID with * in place of its last one or two characters (F0-6E-0B-C2-03-2*, F0-6E-0B-C2-03-*)");
            return (ElementKind.BssidPrefix, null, column);
        }
        if (MacAddress.TryParse(text, out _)) return (ElementKind.Bssid, text, column);
        errors.Add(row.Line, column, $"'{text}' is not a BSSID (12-34-56-78-90-ab)");
        return (ElementKind.Bssid, null, column);
    }

    private static (ElementKind, string?, string) Chassis(string? text, CsvRow row, ImportErrors errors)
    {
        const string column = "ChassisID";
        if (text is null) return Missing(ElementKind.Chassis, column, row, errors);
        var chassis = MicrosoftLisCsv.ChassisId(text);
        if (chassis is null) errors.Add(row.Line, column, $"'{text}' is not a MAC address (12-34-56-78-90-ab) or an IP address");
        return (ElementKind.Chassis, chassis, column);
    }

    private static (ElementKind, string?, string) Port(CsvTable table, CsvRow row, Dictionary<string, string> existing, ImportErrors errors)
    {
        var (_, chassis, _) = Chassis(table.Get(row, "ChassisID"), row, errors);
        var port = table.Get(row, "PortID");
        if (port is null) errors.Add(row.Line, "PortID", "is required");
        if (chassis is null || port is null) return (ElementKind.ChassisPort, null, "PortID");
        // Teams records no port ID subtype: the port matches whatever subtype the switch advertises (subtype 0), and
        // a port the tenant already has with the same chassis and port ID is that port.
        var value = $"{chassis}|0:{port}";
        if (!TenantIndex.TryParseChassisPort(value, out var c, out var p))
        {
            errors.Add(row.Line, "PortID", $"'{port}' is not a port ID");
            return (ElementKind.ChassisPort, null, "PortID");
        }
        return (ElementKind.ChassisPort, existing.TryGetValue(PortKey(c!, p!), out var known) ? known : value, "PortID");
    }

    private static string PortKey(LldpId chassis, LldpId port) => chassis.ToString() + "|" + Convert.ToHexString(port.Octets);

    private static string NetworkAddress(IpPrefix prefix)
    {
        var text = prefix.ToString();
        return text[..text.IndexOf('/', StringComparison.Ordinal)];
    }

    private static (ElementKind, string?, string) Missing(ElementKind kind, string column, CsvRow row, ImportErrors errors)
    {
        errors.Add(row.Line, column, "is required");
        return (kind, null, column);
    }

    private static Guid? ReadGuid(CsvTable table, CsvRow row, string column, bool required, ImportErrors errors)
    {
        var text = table.Get(row, column);
        if (text is null)
        {
            if (required) errors.Add(row.Line, column, "is required");
            return null;
        }
        if (Guid.TryParse(text, out var id)) return id;
        errors.Add(row.Line, column, $"'{text}' is not a GUID (9905bca0-6fb0-11ec-84a4-25019013784a)");
        return null;
    }

    /// <summary>A point from Latitude and Longitude; both empty (or both 0, what Teams shows for none) is no point.</summary>
    private static GeoPoint? ReadPoint(CsvTable table, CsvRow row, ImportErrors errors)
    {
        var latText = table.Get(row, "Latitude");
        var lonText = table.Get(row, "Longitude");
        if (latText is null && lonText is null) return null;
        var lat = Coordinate(latText, "Latitude", 90, row, errors);
        var lon = Coordinate(lonText, "Longitude", 180, row, errors);
        if (lat is null || lon is null) return null;
        return lat == 0 && lon == 0 ? null : new GeoPoint(lat.Value, lon.Value);
    }

    private static double? Coordinate(string? text, string column, double limit, CsvRow row, ImportErrors errors)
    {
        if (text is null)
        {
            errors.Add(row.Line, column, "is required with " + (column == "Latitude" ? "Longitude" : "Latitude"));
            return null;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && Math.Abs(value) <= limit) return value;
        errors.Add(row.Line, column, $"'{text}' is not a {column.ToLowerInvariant()} in degrees (-{limit} to {limit}, a dot for decimals)");
        return null;
    }

    private static bool SameInTeams(CivicAddress a, CivicAddress b) =>
        Civic.All(c => string.Equals(a[c.Element] ?? "", b[c.Element] ?? "", StringComparison.Ordinal));

    private static bool SamePoint(GeoPoint? a, GeoPoint? b) =>
        a is { } p && b is { } q && Math.Abs(p.Latitude - q.Latitude) < 1e-9 && Math.Abs(p.Longitude - q.Longitude) < 1e-9;

    private static string Describe((string Site, string? Location) holder) =>
        holder.Location is { } location ? $"location '{location}'" : $"site '{holder.Site}' (its default location)";

    /// <summary>A location's floor, unit, room and text on one line: the single <c>Location</c> text Teams holds.</summary>
    internal static string Label(DispatchableLocation location)
    {
        var parts = new List<string>(4);
        if (location.Floor is { } floor) parts.Add("Floor " + floor);
        if (location.Unit is { } unit) parts.Add("Unit " + unit);
        if (location.Room is { } room) parts.Add("Room " + room);
        if (location.Text is { } text) parts.Add(text);
        return parts.Count > 0 ? string.Join(", ", parts) : location.Id;
    }

    /// <summary>
    /// The Teams id an object that has none is exported with: a name-based UUID (version 8, from SHA-256 of the
    /// tenant, the role and the object's id), the same in every export, so network files exported with it resolve
    /// when imported back.
    /// </summary>
    internal static Guid DerivedId(string tenant, string role, string id)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"locationserver/teams/{tenant}/{role}/{id}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    internal static Guid CivicIdOf(string tenant, Site site) => site.TeamsCivicAddressId ?? DerivedId(tenant, "civic-address", site.Id);

    internal static Guid DefaultLocationIdOf(string tenant, Site site) => site.TeamsLocationId ?? DerivedId(tenant, "default-location", site.Id);

    internal static Guid LocationIdOf(string tenant, DispatchableLocation location) => location.TeamsLocationId ?? DerivedId(tenant, "location", location.Id);

    /// <summary>Teams ids → our sites and locations, remembered or derived, kept current as rows are merged.</summary>
    private sealed class TeamsIds
    {
        private readonly Dictionary<Guid, string> _civic = [];
        private readonly Dictionary<Guid, (string Site, string? Location)> _locations = [];

        public TeamsIds(WiremapEdit edit)
        {
            foreach (var site in edit.Sites)
            {
                _civic.TryAdd(CivicIdOf(edit.TenantId, site), site.Id);
                _locations.TryAdd(DefaultLocationIdOf(edit.TenantId, site), (site.Id, null));
            }
            foreach (var location in edit.Locations) _locations.TryAdd(LocationIdOf(edit.TenantId, location), (location.SiteId, location.Id));
        }

        public string? SiteOfCivic(Guid id) => _civic.TryGetValue(id, out var site) ? site : null;

        public (string Site, string? Location)? Resolve(Guid id) => _locations.TryGetValue(id, out var target) ? target : null;

        public void Remember(Guid? civic, Guid? location, string site, string? locationId = null)
        {
            if (civic is { } c) _civic[c] = site;
            if (location is { } l) _locations[l] = (site, locationId);
        }
    }

    // Exports.

    private static readonly string[] CivicHeader =
        ["CivicAddressId", "HouseNumber", "HouseNumberSuffix", "PreDirectional", "StreetName", "StreetSuffix", "PostDirectional", "City", "PostalCode",
         "StateOrProvince", "CountryOrRegion", "Description", "CompanyName", "DefaultLocationId", "Latitude", "Longitude"];

    private static readonly string[] LocationHeader =
        ["LocationId", "CivicAddressId", "Location", "Elin", "Latitude", "Longitude", "CompanyName", "HouseNumber", "HouseNumberSuffix", "PreDirectional",
         "StreetName", "StreetSuffix", "PostDirectional", "City", "PostalCode", "StateOrProvince", "CountryOrRegion"];

    /// <summary>Writes one Teams file of <paramref name="wiremap"/>.</summary>
    public static void Write(Stream output, TenantWiremap wiremap, CsvImportFormat format)
    {
        ArgumentNullException.ThrowIfNull(wiremap);
        var tenant = wiremap.Tenant.Id;
        using var writer = CsvWriter.Create(output, CsvWriterOptions.Default, leaveOpen: true);
        var sites = wiremap.Sites.ToDictionary(s => s.Id, StringComparer.Ordinal);
        switch (format)
        {
            case CsvImportFormat.TeamsCivicAddress:
                writer.WriteHeader(CivicHeader);
                foreach (var s in wiremap.Sites)
                {
                    var a = s.Address;
                    WiremapCsv.WriteRow(writer, [CivicIdOf(tenant, s).ToString(), a.HNO, a.HNS, a.PRD, a.RD, a.STS, a.POD, a.A3, a.PC, a.A1, a.Country, s.Name, a.NAM,
                        DefaultLocationIdOf(tenant, s).ToString(), .. Coordinates(s.Point)]);
                }
                break;
            case CsvImportFormat.TeamsLocation:
                writer.WriteHeader(LocationHeader);
                foreach (var s in wiremap.Sites)
                {
                    WiremapCsv.WriteRow(writer, [DefaultLocationIdOf(tenant, s).ToString(), CivicIdOf(tenant, s).ToString(), null, null, .. Coordinates(s.Point), .. AddressFields(s.Address)]);
                    foreach (var l in wiremap.Locations.Where(l => l.SiteId == s.Id))
                    {
                        WiremapCsv.WriteRow(writer, [LocationIdOf(tenant, l).ToString(), CivicIdOf(tenant, s).ToString(), Label(l), l.Elins is { Count: > 0 } elins ? elins[0] : null,
                            .. Coordinates(l.Point), .. AddressFields(s.Address)]);
                    }
                }
                break;
            default:
                writer.WriteHeader(format switch
                {
                    CsvImportFormat.TeamsSubnet => ["Subnet", "LocationId", "Description"],
                    CsvImportFormat.TeamsWirelessAccessPoint => ["BSSID", "LocationId", "Description"],
                    CsvImportFormat.TeamsSwitch => ["ChassisID", "LocationId", "Description"],
                    _ => ["ChassisID", "PortID", "LocationId", "Description"],
                });
                var locations = wiremap.Locations.ToDictionary(l => l.Id, StringComparer.Ordinal);
                foreach (var e in wiremap.Elements)
                {
                    if (e.OffPremises) continue;
                    Guid? target = e.LocationId is { } lid && locations.TryGetValue(lid, out var l) ? LocationIdOf(tenant, l)
                        : e.SiteId is { } sid && sites.TryGetValue(sid, out var s) ? DefaultLocationIdOf(tenant, s) : null;
                    if (target is null) continue;
                    string?[]? key = (format, e.Kind) switch
                    {
                        (CsvImportFormat.TeamsSubnet, ElementKind.Subnet) => IpPrefix.TryParse(e.Value, out var prefix) ? [NetworkAddress(prefix)] : null,
                        (CsvImportFormat.TeamsWirelessAccessPoint, ElementKind.Bssid) => MacAddress.TryParse(e.Value, out var mac) ? [Dashed(mac)] : null,
                        (CsvImportFormat.TeamsWirelessAccessPoint, ElementKind.BssidPrefix) => WildcardBssid(e.Value) is { } w ? [w] : null,
                        (CsvImportFormat.TeamsSwitch, ElementKind.Chassis) => LldpId.TryParse(e.Value, isPort: false, out var chassis) && ChassisText(chassis!) is { } text ? [text] : null,
                        (CsvImportFormat.TeamsPort, ElementKind.ChassisPort) => TenantIndex.TryParseChassisPort(e.Value, out var c, out var p) && ChassisText(c!) is { } text ? [text, LldpText(p!)] : null,
                        _ => null,
                    };
                    if (key is null) continue;
                    WiremapCsv.WriteRow(writer, [.. key, target.Value.ToString(), e.Description]);
                }
                break;
        }
        writer.Flush();
    }

    private static string?[] Coordinates(GeoPoint? point) => point is null
        ? [null, null]
        : [point.Value.Latitude.ToString("R", CultureInfo.InvariantCulture), point.Value.Longitude.ToString("R", CultureInfo.InvariantCulture)];

    private static string?[] AddressFields(CivicAddress a) => [a.NAM, a.HNO, a.HNS, a.PRD, a.RD, a.STS, a.POD, a.A3, a.PC, a.A1, a.Country];

    private static string Dashed(MacAddress mac) => mac.ToString().Replace(':', '-').ToUpperInvariant();

    /// <summary>A prefix of 40 or 44 bits as Teams writes it (<c>F0-6E-0B-C2-03-*</c>, <c>F0-6E-0B-C2-03-2*</c>); null for other lengths.</summary>
    private static string? WildcardBssid(string value)
    {
        if (!MacPrefix.TryParse(value, out var prefix) || prefix.Bits is not (40 or 44)) return null;
        var dashed = Dashed(new MacAddress(prefix.Value));
        return prefix.Bits == 40 ? dashed[..^2] + "*" : dashed[..^1] + "*";
    }

    /// <summary>A chassis ID the Teams cmdlets take (a MAC or an IP address); null for a chassis named otherwise.</summary>
    private static string? ChassisText(LldpId id) => id.Subtype is 4 or 5 or 0 && LldpText(id) is var text && MicrosoftLisCsv.ChassisId(text) is not null ? text : null;

    /// <summary>An LLDP id as the Teams cmdlets spell it: a MAC dashed, a network address as an IP, text as it is.</summary>
    private static string LldpText(LldpId id)
    {
        var octets = id.Octets;
        if (octets.Length == 6 && (id.Subtype is 3 or 4 || !octets.All(b => b is >= 0x20 and < 0x7f)) && MacAddress.TryFromBytes(octets, out var mac)) return Dashed(mac);
        if (id.Subtype == 5 && octets.Length is 5 or 17 && octets[0] is 1 or 2) return new IPAddress(octets[1..]).ToString();
        if (octets.All(b => b is >= 0x20 and < 0x7f)) return Encoding.ASCII.GetString(octets);
        return "0x" + Convert.ToHexStringLower(octets);
    }
}
