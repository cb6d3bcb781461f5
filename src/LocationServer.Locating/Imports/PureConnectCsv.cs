using LocationServer.Core.Endpoints;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Wiremap;

namespace LocationServer.Locating.Imports;

/// <summary>
/// The Genesys PureConnect (CIC) E911 Phone Export Utility file: one managed station per row with <c>DisplayName,
/// PhoneManufacturer, PhoneModel, NetworkID, IdentificationAddress, Extension</c>, to which the administrator adds the
/// station's location (the utility's documentation asks for the street address, building, floor and the spot on the
/// floor). Each station becomes a pinned device MAC (<c>NetworkID</c>) at its location, the station's name and
/// identity kept in the element's description. The location is either <c>LocationId</c> (an existing location or
/// site id) or the address columns: the LIS civic columns plus <c>Building</c>, <c>Floor</c>, <c>Room</c> and
/// <c>Location</c> (e.g. "NE corner"). Each station with a <c>DisplayName</c> also finds or creates its user record
/// (<see cref="StationUsers"/>), which gets the station's MAC and its number.
/// </summary>
internal static class PureConnectCsv
{
    private static readonly IReadOnlyList<(string Column, string Element)> Address = [.. AddressColumns.Lis, ("Building", "BLD")];

    public static void Apply(CsvTable table, WiremapEdit edit, ImportErrors errors, StationUsers? users = null)
    {
        if (!table.Has("NetworkID")) errors.Add(table.HeaderLine, null, "the column NetworkID is missing");
        if (errors.Count > 0) return;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            var before = errors.Count;
            var mac = table.Get(row, "NetworkID");
            MacAddress parsed = default;
            if (mac is null) errors.Add(row.Line, "NetworkID", "is required (the station's MAC address)");
            else if (!MacAddress.TryParse(mac, out parsed)) errors.Add(row.Line, "NetworkID", $"'{mac}' is not a MAC address");
            var locationId = table.Get(row, "LocationId");
            var address = locationId is null ? AddressColumns.Read(table, row, Address, errors, out _) : null;
            if (errors.Count > before) continue;
            if (!seen.TryAdd(parsed.ToString(), row.Line))
            {
                errors.Add(row.Line, "NetworkID", $"the same station MAC as line {seen[parsed.ToString()]}");
                continue;
            }
            var description = Describe(table, row);
            var existing = edit.FindElement(ElementKind.DeviceMac, mac!);
            NetworkElement element;
            if (locationId is not null)
            {
                if (edit.HasLocation(locationId)) element = new NetworkElement(ElementKind.DeviceMac, mac!, LocationId: locationId, Description: description);
                else if (edit.HasSite(locationId)) element = new NetworkElement(ElementKind.DeviceMac, mac!, SiteId: locationId, Description: description);
                else
                {
                    errors.Add(row.Line, "LocationId", $"no location or site with id '{locationId}'");
                    continue;
                }
            }
            else if (address is not null)
            {
                var siteId = edit.SiteFor(address, row.Line);
                var floor = table.Get(row, "Floor");
                var room = table.Get(row, "Room");
                var spot = table.Get(row, "Location");
                element = floor is null && room is null && spot is null
                    ? new NetworkElement(ElementKind.DeviceMac, mac!, SiteId: siteId, Description: description)
                    : new NetworkElement(ElementKind.DeviceMac, mac!, LocationId: edit.LocationFor(siteId, floor, room, spot, row.Line), Description: description);
            }
            else if (existing is not null && !existing.OffPremises)
            {
                element = existing with { Value = mac!, Description = description };
            }
            else
            {
                errors.Add(row.Line, null, "no location: give LocationId, or the address columns (HouseNumber, StreetName, City, State, PostalCode, Country; Building, Floor, Room, Location)");
                continue;
            }
            edit.PutElement(element, row.Line);
            users?.Apply(table, row, parsed.ToString(), element.LocationId is { } at ? edit.SiteOf(at) : element.SiteId, errors);
        }
    }

    /// <summary>"Front Desk (ext 4012, Polycom VVX301, sip:4012@cic.example.com)": who the pinned MAC belongs to.</summary>
    internal static string? Describe(CsvTable table, CsvRow row)
    {
        var name = table.Get(row, "DisplayName");
        var details = new List<string>(3);
        if (table.Get(row, "Extension") is { } extension) details.Add("ext " + extension);
        var phone = string.Join(' ', new[] { table.Get(row, "PhoneManufacturer"), table.Get(row, "PhoneModel") }.Where(s => s is not null));
        if (phone.Length > 0) details.Add(phone);
        if (table.Get(row, "IdentificationAddress") is { } identity) details.Add(identity);
        var text = details.Count == 0 ? name : $"{name ?? "station"} ({string.Join(", ", details)})";
        return text is { Length: > WiremapValidator.MaxTextLength } ? text[..WiremapValidator.MaxTextLength] : text;
    }
}

/// <summary>
/// The user records a PureConnect station file finds or creates, merged into the tenant's users as they were read:
/// a station's user is the user who already has its MAC, else the one user whose display name is the station's
/// <c>DisplayName</c> (ignoring case), else a new user named after it (id from the name, home site the station's).
/// The user gets the station's MAC and its number: the <c>DID</c> column, or <c>Extension</c> when it is a full E.164
/// number. A number another user has is an error of the line.
/// </summary>
internal sealed class StationUsers
{
    private readonly Dictionary<string, DirectoryUser> _users;
    private readonly Dictionary<string, string> _macOwners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _numberOwners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _original;
    private readonly List<string> _added = [];
    private readonly List<string> _changed = [];

    public StationUsers(TenantDirectoryData directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Version = directory.Version;
        _users = directory.Users.ToDictionary(u => u.Id, StringComparer.Ordinal);
        _original = [.. _users.Keys];
        foreach (var user in directory.Users) Index(user);
    }

    /// <summary>The tenant's directory version the users were read at.</summary>
    public long Version { get; }

    /// <summary>The users to create or replace, each whole.</summary>
    public IReadOnlyList<DirectoryUser> Changed => [.. _added.Concat(_changed).Select(id => _users[id])];

    /// <summary>What the file does to the users, as the import's changes report it (kind <c>users</c>).</summary>
    public KindChanges Changes => new("users", _added.Count, _changed.Count, 0,
        [.. _added.Take(WiremapDiff.DefaultMaxKeys)], [.. _changed.Take(WiremapDiff.DefaultMaxKeys)], []);

    public void Apply(CsvTable table, CsvRow row, string mac, string? siteId, ImportErrors errors)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(errors);
        var name = table.Get(row, "DisplayName");
        if (name is null) return;
        string? number = null;
        if (table.Get(row, "DID") is { } did)
        {
            number = PhoneNumber.Normalize(did);
            if (number is null || !number.StartsWith('+'))
            {
                errors.Add(row.Line, "DID", $"'{Short(did)}' is not a full E.164 number a PSAP can call back");
                return;
            }
        }
        else if (PhoneNumber.Normalize(table.Get(row, "Extension")) is { } extension && extension.StartsWith('+'))
        {
            number = extension;
        }

        DirectoryUser user;
        if (_macOwners.TryGetValue(mac, out var owner)) user = _users[owner];
        else if (_byName.TryGetValue(name, out var named) && named.Count == 1) user = _users[named[0]];
        else if (named is { Count: > 1 })
        {
            errors.Add(row.Line, "DisplayName", $"'{Short(name)}' is the name of several users ({string.Join(", ", named.Take(5))}); give one of them the MAC {mac} first");
            return;
        }
        else user = new DirectoryUser(NewId(name), name, SiteId: siteId, Dids: [], DeviceMacs: []);

        if (number is not null && _numberOwners.TryGetValue(number, out var holder) && holder != user.Id)
        {
            errors.Add(row.Line, table.Has("DID") ? "DID" : "Extension", $"{number} belongs to user '{holder}'");
            return;
        }
        var macs = user.DeviceMacs ?? [];
        var dids = user.Dids ?? [];
        var updated = user with
        {
            DeviceMacs = macs.Contains(mac, StringComparer.Ordinal) ? macs : [.. macs, mac],
            Dids = number is null || dids.Contains(number, StringComparer.Ordinal) ? dids : [.. dids, number],
        };
        var (valid, invalid) = DirectoryValidator.User(updated);
        if (valid is null)
        {
            foreach (var error in invalid) errors.Add(row.Line, "DisplayName", $"user '{Short(updated.Id)}' {error.Path}: {error.Message}");
            return;
        }
        var isNew = !_users.ContainsKey(valid.Id);
        if (!isNew && Same(_users[valid.Id], valid)) return;
        _users[valid.Id] = valid;
        Index(valid);
        if (isNew) _added.Add(valid.Id);
        else if (_original.Contains(valid.Id) && !_changed.Contains(valid.Id, StringComparer.Ordinal)) _changed.Add(valid.Id);
    }

    private void Index(DirectoryUser user)
    {
        foreach (var mac in user.DeviceMacs ?? []) _macOwners[mac] = user.Id;
        foreach (var number in user.Dids ?? []) _numberOwners[number] = user.Id;
        if (!_byName.TryGetValue(user.DisplayName, out var ids)) _byName[user.DisplayName] = ids = [];
        if (!ids.Contains(user.Id, StringComparer.Ordinal)) ids.Add(user.Id);
    }

    private string NewId(string name)
    {
        var stem = WiremapEdit.Slug(name);
        if (stem.Length == 0) stem = "station-user";
        if (stem.Length > 60) stem = stem[..60];
        var id = stem;
        for (var n = 2; _users.ContainsKey(id); n++) id = $"{stem}-{n}";
        return id;
    }

    private static string Short(string value) => value.Length <= 40 ? value : value[..40] + "…";

    private static bool Same(DirectoryUser a, DirectoryUser b) =>
        a.DisplayName == b.DisplayName && a.Email == b.Email && a.SiteId == b.SiteId &&
        (a.Dids ?? []).SequenceEqual(b.Dids ?? []) && (a.DeviceMacs ?? []).SequenceEqual(b.DeviceMacs ?? []);
}
