using LocationServer.Core.Identifiers;
using LocationServer.Core.Wiremap;

namespace LocationServer.Imports;

/// <summary>
/// The Genesys PureConnect (CIC) E911 Phone Export Utility file: one managed station per row with <c>DisplayName,
/// PhoneManufacturer, PhoneModel, NetworkID, IdentificationAddress, Extension</c>, to which the administrator adds the
/// station's location (the utility's documentation asks for the street address, building, floor and the spot on the
/// floor). Each station becomes a pinned device MAC (<c>NetworkID</c>) at its location, the station's name and
/// identity kept in the element's description. The location is either <c>LocationId</c> (an existing location or
/// site id) or the address columns: the LIS civic columns plus <c>Building</c>, <c>Floor</c>, <c>Room</c> and
/// <c>Location</c> (e.g. "NE corner").
/// </summary>
internal static class PureConnectCsv
{
    private static readonly IReadOnlyList<(string Column, string Element)> Address = [.. AddressColumns.Lis, ("Building", "BLD")];

    public static void Apply(CsvTable table, WiremapEdit edit, ImportErrors errors)
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
