using System.Globalization;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;

namespace LocationServer.Core.Wiremap;

/// <summary>
/// Checks a whole tenant wiremap before it is stored. A wiremap with any error is rejected whole; nothing the
/// index would silently skip (<see cref="TenantIndex.SkippedElements"/>) gets past this.
/// Error paths follow the JSON wiremap document (docs/wiremap-format.md), e.g. <c>/elements/12/value</c>.
/// </summary>
public static class WiremapValidator
{
    /// <summary>Longest accepted identifier (site, location, requester names).</summary>
    public const int MaxIdLength = 128;

    /// <summary>Longest accepted free-text value.</summary>
    public const int MaxTextLength = 256;

    /// <summary>Validates everything; an empty list means the wiremap can be stored.</summary>
    public static IReadOnlyList<ValidationError> Validate(TenantWiremap wiremap)
    {
        ArgumentNullException.ThrowIfNull(wiremap);
        var errors = new List<ValidationError>();
        void Add(string path, string message) => errors.Add(new ValidationError(path, message));

        var tenant = wiremap.Tenant;
        if (tenant is null) Add("/tenant", "is required");
        else
        {
            if (!IsTenantId(tenant.Id)) Add("/tenant/id", $"'{Short(tenant.Id)}' is not a tenant id (1-64 of a-z, 0-9, '-')");
            Text(tenant.Name, "/tenant/name", required: true);
            Callback(tenant.CallbackNumber, "/tenant/callbackNumber");
        }

        // Sites and locations share one id space: the matching index resolves either by id.
        var siteIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var locationIds = new Dictionary<string, int>(StringComparer.Ordinal);
        // Teams LIS ids name one object each: a network file's LocationId must resolve to one site or location.
        var teamsCivic = new Dictionary<Guid, string>();
        var teamsLocations = new Dictionary<Guid, string>();
        var sites = wiremap.Sites ?? [];
        for (var i = 0; i < sites.Count; i++)
        {
            var site = sites[i];
            var path = $"/sites/{i}";
            if (site is null) { Add(path, "is null"); continue; }
            if (Id(site.Id, path + "/id") && !siteIds.TryAdd(site.Id, i))
                Add(path + "/id", $"duplicate id '{Short(site.Id)}' (also /sites/{siteIds[site.Id]})");
            Text(site.Name, path + "/name", required: true);
            if (site.Address is null) Add(path + "/address", "is required");
            else errors.AddRange(CivicAddressValidator.Validate(site.Address, path + "/address"));
            Point(site.Point, path + "/point");
            Callback(site.CallbackNumber, path + "/callbackNumber");
            if (site.TeamsCivicAddressId is { } civic && !teamsCivic.TryAdd(civic, path))
                Add(path + "/teamsCivicAddressId", $"Teams civic address {civic} is also {teamsCivic[civic]}");
            if (site.TeamsLocationId is { } siteLocation && !teamsLocations.TryAdd(siteLocation, path))
                Add(path + "/teamsLocationId", $"Teams location {siteLocation} is also {teamsLocations[siteLocation]}");
        }

        var elins = new Dictionary<string, string>(StringComparer.Ordinal);
        var locations = wiremap.Locations ?? [];
        for (var i = 0; i < locations.Count; i++)
        {
            var location = locations[i];
            var path = $"/locations/{i}";
            if (location is null) { Add(path, "is null"); continue; }
            if (Id(location.Id, path + "/id"))
            {
                if (siteIds.TryGetValue(location.Id, out var s)) Add(path + "/id", $"id '{Short(location.Id)}' is already used by /sites/{s}");
                else if (!locationIds.TryAdd(location.Id, i)) Add(path + "/id", $"duplicate id '{Short(location.Id)}' (also /locations/{locationIds[location.Id]})");
            }
            if (string.IsNullOrEmpty(location.SiteId)) Add(path + "/siteId", "is required");
            else if (!siteIds.ContainsKey(location.SiteId)) Add(path + "/siteId", $"no site with id '{Short(location.SiteId)}'");
            Text(location.Floor, path + "/floor");
            Text(location.Unit, path + "/unit");
            Text(location.Room, path + "/room");
            Text(location.Text, path + "/text");
            Point(location.Point, path + "/point");
            Callback(location.CallbackNumber, path + "/callbackNumber");
            if (location.TeamsLocationId is { } teams && !teamsLocations.TryAdd(teams, path))
                Add(path + "/teamsLocationId", $"Teams location {teams} is also {teamsLocations[teams]}");
            var list = location.Elins ?? [];
            for (var j = 0; j < list.Count; j++)
            {
                var elinPath = $"{path}/elins/{j}";
                var elin = PhoneNumber.Normalize(list[j]);
                if (elin is null) Add(elinPath, $"'{Short(list[j])}' is not a telephone number");
                else if (!elins.TryAdd(elin, elinPath)) Add(elinPath, $"ELIN {elin} is also at {elins[elin]}");
            }
        }

        var seen = new Dictionary<(ElementKind, string), int>();
        var elements = wiremap.Elements ?? [];
        for (var i = 0; i < elements.Count; i++)
        {
            var element = elements[i];
            var path = $"/elements/{i}";
            if (element is null) { Add(path, "is null"); continue; }
            if (!Enum.IsDefined(element.Kind)) { Add(path + "/kind", $"unknown kind {(int)element.Kind}"); continue; }
            var normalized = NormalizeElementValue(element.Kind, element.Value);
            if (normalized is null) Add(path + "/value", $"'{Short(element.Value ?? "")}' is not {Describe(element.Kind)}");
            else if (!seen.TryAdd((element.Kind, normalized), i)) Add(path + "/value", $"duplicate of /elements/{seen[(element.Kind, normalized)]} ({normalized})");

            var hasLocation = !string.IsNullOrEmpty(element.LocationId);
            var hasSite = !string.IsNullOrEmpty(element.SiteId);
            if (element.OffPremises)
            {
                if (hasLocation) Add(path + "/locationId", "an off-premises element has no target");
                if (hasSite) Add(path + "/siteId", "an off-premises element has no target");
            }
            else if (hasLocation && hasSite) Add(path + "/siteId", "give either locationId or siteId, not both");
            else if (!hasLocation && !hasSite) Add(path, "needs exactly one of locationId or siteId (or offPremises: true)");
            else if (hasLocation && !locationIds.ContainsKey(element.LocationId!))
                Add(path + "/locationId", siteIds.ContainsKey(element.LocationId!) ? $"'{Short(element.LocationId!)}' is a site; use siteId" : $"no location with id '{Short(element.LocationId!)}'");
            else if (hasSite && !siteIds.ContainsKey(element.SiteId!))
                Add(path + "/siteId", locationIds.ContainsKey(element.SiteId!) ? $"'{Short(element.SiteId!)}' is a location; use locationId" : $"no site with id '{Short(element.SiteId!)}'");
            Text(element.Description, path + "/description");
        }

        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        var dids = wiremap.Dids ?? [];
        for (var i = 0; i < dids.Count; i++)
        {
            var did = dids[i];
            var path = $"/dids/{i}";
            if (did is null) { Add(path, "is null"); continue; }
            var number = PhoneNumber.Normalize(did.Number);
            if (number is null) Add(path + "/number", $"'{Short(did.Number ?? "")}' is not a telephone number");
            else if (!numbers.TryAdd(number, i)) Add(path + "/number", $"duplicate of /dids/{numbers[number]} ({number})");
            if (string.IsNullOrEmpty(did.LocationId)) Add(path + "/locationId", "is required");
            else if (!locationIds.ContainsKey(did.LocationId) && !siteIds.ContainsKey(did.LocationId))
                Add(path + "/locationId", $"no location or site with id '{Short(did.LocationId)}'");
            Callback(did.CallbackNumber, path + "/callbackNumber");
            Text(did.User, path + "/user");
        }

        var requesterNames = new Dictionary<string, int>(StringComparer.Ordinal);
        var requesters = wiremap.Requesters ?? [];
        for (var i = 0; i < requesters.Count; i++)
        {
            var requester = requesters[i];
            var path = $"/requesters/{i}";
            if (requester is null) { Add(path, "is null"); continue; }
            if (Id(requester.Name, path + "/name") && !requesterNames.TryAdd(requester.Name, i))
                Add(path + "/name", $"duplicate name '{Short(requester.Name)}' (also /requesters/{requesterNames[requester.Name]})");
            if (requester.KeySha256 is { } key && (key.Length != 64 || !key.All(char.IsAsciiHexDigit)))
                Add(path + "/keySha256", "is not a hex SHA-256 (64 hex digits)");
            var cidrs = requester.SourceCidrs ?? [];
            for (var j = 0; j < cidrs.Count; j++)
                if (cidrs[j] is null || !IpPrefix.TryParse(cidrs[j], out _)) Add($"{path}/sourceCidrs/{j}", $"'{Short(cidrs[j] ?? "")}' is not an address or CIDR prefix with zero host bits");
            if (requester.KeySha256 is null && cidrs.Count == 0) Add(path, "needs keySha256 or sourceCidrs to authenticate");
        }
        errors.AddRange(PolicyValidator.Validate(wiremap.Policies, siteIds.Keys));
        return errors;

        bool Id(string? value, string path)
        {
            if (string.IsNullOrWhiteSpace(value)) { Add(path, "is required"); return false; }
            if (value.Length > MaxIdLength) { Add(path, $"longer than {MaxIdLength} characters"); return false; }
            if (value.Any(char.IsControl) || value.Trim().Length != value.Length) { Add(path, "contains control characters or surrounding spaces"); return false; }
            return true;
        }

        void Text(string? value, string path, bool required = false)
        {
            if (value is null) { if (required) Add(path, "is required"); return; }
            if (required && value.Trim().Length == 0) Add(path, "is required");
            if (value.Length > MaxTextLength) Add(path, $"longer than {MaxTextLength} characters");
            if (value.Any(char.IsControl)) Add(path, "contains a control character");
        }

        void Callback(string? value, string path)
        {
            if (value is not null && PhoneNumber.Normalize(value) is null) Add(path, $"'{Short(value)}' is not a telephone number");
        }

        void Point(GeoPoint? point, string path)
        {
            if (point is not { } p) return;
            if (!double.IsFinite(p.Latitude) || p.Latitude is < -90 or > 90) Add(path + "/latitude", "must be between -90 and 90");
            if (!double.IsFinite(p.Longitude) || p.Longitude is < -180 or > 180) Add(path + "/longitude", "must be between -180 and 180");
            if (p.Altitude is { } alt && !double.IsFinite(alt)) Add(path + "/altitude", "must be a finite number of metres");
        }
    }

    /// <summary>True for a tenant id: 1-64 characters of a-z, 0-9 and '-'.</summary>
    public static bool IsTenantId(string? id) =>
        id is { Length: >= 1 and <= 64 } && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    /// <summary>
    /// The canonical spelling of an element value, used to detect duplicates and as the stored lookup key; null when
    /// the value does not parse for its kind. MACs: lower-case colon form; BSSID prefixes: "mac/bits"; LLDP:
    /// "subtype:value" (chassis and port joined by '|'); subnets and public IPs: CIDR with the prefix length.
    /// </summary>
    public static string? NormalizeElementValue(ElementKind kind, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        switch (kind)
        {
            case ElementKind.Bssid:
            case ElementKind.DeviceMac:
            case ElementKind.GatewayMac:
                return MacAddress.TryParse(value, out var mac) ? mac.ToString() : null;
            case ElementKind.BssidPrefix:
                return MacPrefix.TryParse(value, out var prefix)
                    ? new MacAddress(prefix.Value).ToString() + "/" + prefix.Bits.ToString(CultureInfo.InvariantCulture)
                    : null;
            case ElementKind.Chassis:
                return LldpId.TryParse(value, isPort: false, out var chassis) ? chassis!.ToString() : null;
            case ElementKind.ChassisPort:
                return TenantIndex.TryParseChassisPort(value, out var c, out var p) ? c!.ToString() + "|" + p!.ToString() : null;
            case ElementKind.Subnet:
            case ElementKind.PublicIp:
                return IpPrefix.TryParse(value, out var ip) ? FormatPrefix(ip) : null;
            default:
                return null;
        }
    }

    private static string FormatPrefix(IpPrefix prefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, prefix.Network);
        var address = prefix.IsV6 ? new System.Net.IPAddress(bytes) : new System.Net.IPAddress(bytes[12..]);
        return address.ToString() + "/" + prefix.Length.ToString(CultureInfo.InvariantCulture);
    }

    private static string Describe(ElementKind kind) => kind switch
    {
        ElementKind.Bssid => "a MAC address (BSSID)",
        ElementKind.BssidPrefix => "a BSSID prefix such as 00:11:22:33:44:5* or 00:11:22:33:44:50/44",
        ElementKind.ChassisPort => "an LLDP chassis|port pair such as 00:11:22:33:44:55|Gi1/0/7",
        ElementKind.Chassis => "an LLDP chassis ID",
        ElementKind.DeviceMac => "a MAC address",
        ElementKind.GatewayMac => "a MAC address (gateway)",
        ElementKind.Subnet => "an IP subnet in CIDR notation with zero host bits",
        ElementKind.PublicIp => "an IP address or CIDR range with zero host bits",
        _ => "a known kind",
    };

    private static string Short(string value) => CivicAddressValidator.Short(value);
}
