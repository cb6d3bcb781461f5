using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Wiremap;

namespace LocationServer.Locating.Imports;

/// <summary>
/// Skype for Business / Lync Server LIS wiremap files: the CSV an administrator pipes into <c>Set-CsLisSubnet</c>,
/// <c>Set-CsLisWirelessAccessPoint</c>, <c>Set-CsLisSwitch</c> or <c>Set-CsLisPort</c>, or gets from
/// <c>Get-CsLis* | Export-Csv</c>. Columns are the cmdlet parameter names: the key (<c>Subnet</c>, <c>BSSID</c>,
/// <c>ChassisID</c>, or <c>ChassisID,PortID,PortIDSubType</c>), then <c>Description</c>, <c>Location</c> and the civic
/// columns (<see cref="AddressColumns.Lis"/>). Like the cmdlets, a row creates or updates its element, and its
/// location is matched on the civic address plus <c>Location</c> (the building is a site, <c>Location</c> a
/// dispatchable location in it), created when new. Other columns of an export are ignored.
/// </summary>
internal static class MicrosoftLisCsv
{
    public static void Apply(CsvImportFormat format, CsvTable table, WiremapEdit edit, CsvImportSettings settings, ImportErrors errors)
    {
        string[] keys = format switch
        {
            CsvImportFormat.SfbSubnet => ["Subnet"],
            CsvImportFormat.SfbWirelessAccessPoint => ["BSSID"],
            CsvImportFormat.SfbSwitch => ["ChassisID"],
            _ => ["ChassisID", "PortID"],
        };
        foreach (var key in keys.Where(k => !table.Has(k))) errors.Add(table.HeaderLine, null, $"the column {key} is missing");
        if (errors.Count > 0) return;

        var seen = new Dictionary<(ElementKind, string), int>();
        foreach (var row in table.Rows)
        {
            var before = errors.Count;
            var (kind, value, keyColumn) = format switch
            {
                CsvImportFormat.SfbSubnet => Subnet(table.Get(row, "Subnet"), settings, row, errors),
                CsvImportFormat.SfbWirelessAccessPoint => Bssid(table.Get(row, "BSSID"), row, errors),
                CsvImportFormat.SfbSwitch => Chassis(table.Get(row, "ChassisID"), row, errors),
                _ => Port(table, row, errors),
            };
            var address = AddressColumns.Read(table, row, AddressColumns.Lis, errors, out _);
            var location = table.Get(row, "Location");
            if (errors.Count > before || value is null) continue;

            var normalized = WiremapValidator.NormalizeElementValue(kind, value) ?? value;
            if (!seen.TryAdd((kind, normalized), row.Line))
            {
                errors.Add(row.Line, keyColumn, $"the same {Noun(format)} as line {seen[(kind, normalized)]}");
                continue;
            }
            var description = table.Get(row, "Description");
            var existing = edit.FindElement(kind, value);
            if (address is null)
            {
                if (location is not null) errors.Add(row.Line, "Location", "a Location needs the address it is in (HouseNumber, StreetName, City, State, PostalCode, Country)");
                else if (existing is null || existing.OffPremises) errors.Add(row.Line, null, $"no address: a new {Noun(format)} needs HouseNumber, StreetName, City, State, PostalCode and Country");
                else edit.PutElement(existing with { Value = value, Description = description }, row.Line);
                continue;
            }
            var siteId = edit.SiteFor(address, row.Line);
            var element = location is null
                ? new NetworkElement(kind, value, SiteId: siteId, Description: description)
                : new NetworkElement(kind, value, LocationId: edit.LocationFor(siteId, null, null, location, row.Line), Description: description);
            edit.PutElement(element, row.Line);
        }
    }

    private static string Noun(CsvImportFormat format) => format switch
    {
        CsvImportFormat.SfbSubnet => "subnet",
        CsvImportFormat.SfbWirelessAccessPoint => "access point",
        CsvImportFormat.SfbSwitch => "switch",
        _ => "port",
    };

    private static (ElementKind, string?, string) Subnet(string? text, CsvImportSettings settings, CsvRow row, ImportErrors errors)
    {
        const string column = "Subnet";
        if (text is null) return Missing(ElementKind.Subnet, column, row, errors);
        var value = text;
        if (!text.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(text, out var address))
        {
            // LIS subnets are network addresses without a length: the configured length applies.
            var length = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? settings.Ipv6PrefixLength : settings.Ipv4PrefixLength;
            value = $"{text}/{length}";
        }
        if (WiremapValidator.NormalizeElementValue(ElementKind.Subnet, value) is null)
        {
            errors.Add(row.Line, column, $"'{text}' is not a subnet's network address{(value != text ? $" for a /{value[(value.IndexOf('/', StringComparison.Ordinal) + 1)..]} (set the prefix length for bare addresses, or write CIDR such as 10.1.3.0/24)" : " in CIDR form (10.1.3.0/24)")}");
            return (ElementKind.Subnet, null, column);
        }
        return (ElementKind.Subnet, value, column);
    }

    private static (ElementKind, string?, string) Bssid(string? text, CsvRow row, ImportErrors errors)
    {
        const string column = "BSSID";
        if (text is null) return Missing(ElementKind.Bssid, column, row, errors);
        // A trailing wildcard covers the BSSIDs of a multi-BSSID access point.
        var kind = text.EndsWith('*') ? ElementKind.BssidPrefix : ElementKind.Bssid;
        if (WiremapValidator.NormalizeElementValue(kind, text) is null)
        {
            errors.Add(row.Line, column, $"'{text}' is not a MAC address (12-34-56-78-90-ab) or a prefix ending in *");
            return (kind, null, column);
        }
        return (kind, text, column);
    }

    private static (ElementKind, string?, string) Chassis(string? text, CsvRow row, ImportErrors errors)
    {
        const string column = "ChassisID";
        if (text is null) return Missing(ElementKind.Chassis, column, row, errors);
        var chassis = ChassisId(text);
        if (chassis is null) errors.Add(row.Line, column, $"'{text}' is not a MAC address (12-34-56-78-90-ab) or an IP address");
        return (ElementKind.Chassis, chassis, column);
    }

    private static (ElementKind, string?, string) Port(CsvTable table, CsvRow row, ImportErrors errors)
    {
        var (_, chassis, _) = Chassis(table.Get(row, "ChassisID"), row, errors);
        var port = table.Get(row, "PortID");
        if (port is null) errors.Add(row.Line, "PortID", "is required");
        var subtypeText = table.Get(row, "PortIDSubType");
        byte subtype = subtypeText switch
        {
            // Set-CsLisPort's PortIDSubType: the IEEE 802.1AB port ID subtypes it accepts, by number or name.
            null => 7,
            "1" => 1,
            "5" => 5,
            "7" => 7,
            _ when subtypeText.Equals("InterfaceAlias", StringComparison.OrdinalIgnoreCase) => 1,
            _ when subtypeText.Equals("InterfaceName", StringComparison.OrdinalIgnoreCase) => 5,
            _ when subtypeText.Equals("LocallyAssigned", StringComparison.OrdinalIgnoreCase) => 7,
            _ => 0,
        };
        if (subtype == 0) errors.Add(row.Line, "PortIDSubType", $"'{subtypeText}' is not InterfaceAlias (1), InterfaceName (5) or LocallyAssigned (7)");
        if (chassis is null || port is null || subtype == 0) return (ElementKind.ChassisPort, null, "PortID");
        var value = $"{chassis}|{subtype}:{port}";
        if (WiremapValidator.NormalizeElementValue(ElementKind.ChassisPort, value) is null)
        {
            errors.Add(row.Line, "PortID", $"'{port}' is not a port ID");
            return (ElementKind.ChassisPort, null, "PortID");
        }
        return (ElementKind.ChassisPort, value, "PortID");
    }

    /// <summary>A LIS ChassisID (a MAC or an IP address) in the wiremap's LLDP spelling, with its 802.1AB subtype.</summary>
    internal static string? ChassisId(string text)
    {
        if (MacAddress.TryParse(text, out var mac)) return "4:" + mac.ToString();
        if (IPAddress.TryParse(text, out var address) && text.Contains('.') != text.Contains(':')) return "5:" + address;
        return null;
    }

    private static (ElementKind, string?, string) Missing(ElementKind kind, string column, CsvRow row, ImportErrors errors)
    {
        errors.Add(row.Line, column, "is required");
        return (kind, null, column);
    }
}
