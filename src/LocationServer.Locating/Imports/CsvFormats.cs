using System.Diagnostics.CodeAnalysis;
using LocationServer.Core.Wiremap;

namespace LocationServer.Locating.Imports;

/// <summary>The CSV files an administrator can import (docs/import-formats.md).</summary>
internal enum CsvImportFormat
{
    /// <summary>Skype for Business / Lync LIS subnets (<c>Set-CsLisSubnet</c>, <c>Get-CsLisSubnet | Export-Csv</c>).</summary>
    SfbSubnet,
    /// <summary>Skype for Business / Lync LIS wireless access points (<c>Set-CsLisWirelessAccessPoint</c>).</summary>
    SfbWirelessAccessPoint,
    /// <summary>Skype for Business / Lync LIS switches (<c>Set-CsLisSwitch</c>).</summary>
    SfbSwitch,
    /// <summary>Skype for Business / Lync LIS switch ports (<c>Set-CsLisPort</c>).</summary>
    SfbPort,
    /// <summary>Microsoft Teams LIS civic addresses (<c>New-CsOnlineLisCivicAddress</c>, <c>Get-CsOnlineLisCivicAddress | Export-Csv</c>).</summary>
    TeamsCivicAddress,
    /// <summary>Microsoft Teams LIS locations (<c>New-CsOnlineLisLocation</c>, <c>Get-CsOnlineLisLocation</c>).</summary>
    TeamsLocation,
    /// <summary>Microsoft Teams LIS subnets (<c>Set-CsOnlineLisSubnet</c>).</summary>
    TeamsSubnet,
    /// <summary>Microsoft Teams LIS wireless access points (<c>Set-CsOnlineLisWirelessAccessPoint</c>).</summary>
    TeamsWirelessAccessPoint,
    /// <summary>Microsoft Teams LIS switches (<c>Set-CsOnlineLisSwitch</c>).</summary>
    TeamsSwitch,
    /// <summary>Microsoft Teams LIS switch ports (<c>Set-CsOnlineLisPort</c>).</summary>
    TeamsPort,
    /// <summary>Genesys PureConnect E911 Phone Export Utility stations, with location columns added.</summary>
    PureConnect,
    /// <summary>Our own export of sites.</summary>
    Sites,
    /// <summary>Our own export of dispatchable locations.</summary>
    Locations,
    /// <summary>Our own export of network elements.</summary>
    Elements,
    /// <summary>Our own export of DIDs.</summary>
    Dids,
    /// <summary>Our own export of requesters.</summary>
    Requesters,
}

/// <summary>Choices an import of subnets needs that the files do not carry.</summary>
/// <param name="Ipv4PrefixLength">
/// The prefix length given to an IPv4 subnet written as its bare network address, as Skype for Business LIS files
/// write them (<c>10.1.3.0</c>); default 24. A value in CIDR form keeps its own length.
/// </param>
/// <param name="Ipv6PrefixLength">The same for IPv6 network addresses; default 64.</param>
internal sealed record CsvImportSettings(int Ipv4PrefixLength = 24, int Ipv6PrefixLength = 64);

/// <summary>Format names as they appear in URLs and on the command line.</summary>
internal static class CsvFormatNames
{
    private static readonly Dictionary<string, CsvImportFormat> Imports = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sfb-subnet"] = CsvImportFormat.SfbSubnet,
        ["sfb-wap"] = CsvImportFormat.SfbWirelessAccessPoint,
        ["sfb-switch"] = CsvImportFormat.SfbSwitch,
        ["sfb-port"] = CsvImportFormat.SfbPort,
        ["teams-civic-address"] = CsvImportFormat.TeamsCivicAddress,
        ["teams-location"] = CsvImportFormat.TeamsLocation,
        ["teams-subnet"] = CsvImportFormat.TeamsSubnet,
        ["teams-wap"] = CsvImportFormat.TeamsWirelessAccessPoint,
        ["teams-switch"] = CsvImportFormat.TeamsSwitch,
        ["teams-port"] = CsvImportFormat.TeamsPort,
        ["pureconnect"] = CsvImportFormat.PureConnect,
        ["sites"] = CsvImportFormat.Sites,
        ["locations"] = CsvImportFormat.Locations,
        ["elements"] = CsvImportFormat.Elements,
        ["dids"] = CsvImportFormat.Dids,
        ["requesters"] = CsvImportFormat.Requesters,
    };

    /// <summary>Every import format name, for messages.</summary>
    public static string AllImports => string.Join(", ", Imports.Keys);

    /// <summary>The object kinds our own CSV export writes.</summary>
    public static readonly IReadOnlyList<string> Exports =
        ["sites", "locations", "elements", "dids", "requesters", "teams-civic-address", "teams-location", "teams-subnet", "teams-wap", "teams-switch", "teams-port", "calls"];

    public static bool TryParse(string? name, [NotNullWhen(true)] out CsvImportFormat? format)
    {
        format = name is not null && Imports.TryGetValue(name, out var f) ? f : null;
        return format is not null;
    }
}

/// <summary>Errors found in a file, each naming its line and, where there is one, its column.</summary>
internal sealed class ImportErrors
{
    private readonly List<string> _items = [];

    public int Count => _items.Count;

    public IReadOnlyList<string> Items => _items;

    public void Add(int line, string? column, string message) =>
        _items.Add(column is null ? $"line {line}: {message}" : $"line {line}, column {column}: {message}");

    public void AddRaw(string message) => _items.Add(message);
}

/// <summary>Reading the address columns shared by the Microsoft LIS and PureConnect files into an RFC 5139 address.</summary>
internal static class AddressColumns
{
    /// <summary>Column → RFC 5139 element, for the civic columns of the Set-CsLis* cmdlets.</summary>
    public static readonly IReadOnlyList<(string Column, string Element)> Lis =
    [
        ("CompanyName", "NAM"), ("HouseNumber", "HNO"), ("HouseNumberSuffix", "HNS"), ("PreDirectional", "PRD"),
        ("StreetName", "RD"), ("StreetSuffix", "STS"), ("PostDirectional", "POD"), ("City", "A3"), ("State", "A1"),
        ("PostalCode", "PC"), ("Country", "country"),
    ];

    /// <summary>
    /// The address in <paramref name="row"/>'s columns (<paramref name="columns"/>), or null when they are all
    /// empty; civic rule violations are added to <paramref name="errors"/> under the column that holds the value.
    /// </summary>
    public static CivicAddress? Read(CsvTable table, CsvRow row, IReadOnlyList<(string Column, string Element)> columns, ImportErrors errors, out bool valid)
    {
        valid = true;
        var address = new CivicAddress();
        var any = false;
        foreach (var (column, element) in columns)
        {
            var value = table.Get(row, column);
            if (value is null) continue;
            any = true;
            CivicAddress.TrySet(address, element, value, out address);
        }
        if (!any) return null;
        foreach (var error in CivicAddressValidator.Validate(address, ""))
        {
            var element = error.Path.TrimStart('/');
            var column = columns.FirstOrDefault(c => c.Element == element).Column;
            errors.Add(row.Line, column ?? element, error.Message);
            valid = false;
        }
        return address;
    }
}
