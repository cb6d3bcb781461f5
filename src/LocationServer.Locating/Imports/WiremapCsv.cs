using System.Globalization;
using CsvHelper;
using LocationServer.Core.Wiremap;

namespace LocationServer.Locating.Imports;

/// <summary>
/// Our own CSV form of each wiremap object kind (sites, locations, elements, DIDs, requesters), one object per row
/// with the JSON format's fields as columns (civic address elements by their RFC 5139 names). An export imports back
/// unchanged; an import adds or replaces objects by id (elements by kind and value, DIDs by number, requesters by
/// name) and removes none. Lists (ELINs, source CIDRs) are space-separated. Text that a spreadsheet would run as a
/// formula (starting with = @ + - tab or CR, other than a number) is written with a leading apostrophe, which an
/// import removes again.
/// </summary>
internal static class WiremapCsv
{
    private static readonly string[] Point = ["latitude", "longitude", "altitude"];

    private static readonly string[] Geocoded = ["geocoded", "gisVersion"];
    private static readonly string[] SiteColumns = ["id", "name", .. CivicAddress.ElementNames, .. Point, "callbackNumber", .. Geocoded];
    private static readonly string[] LocationColumns = ["id", "siteId", "floor", "unit", "room", "text", .. Point, "elins", "callbackNumber", .. Geocoded];
    private static readonly string[] ElementColumns = ["kind", "value", "locationId", "siteId", "offPremises", "description"];
    private static readonly string[] DidColumns = ["number", "locationId", "callbackNumber", "heldCapable", "user"];
    private static readonly string[] RequesterColumns = ["name", "keySha256", "sourceCidrs", "referenceOnly"];

    private static string[] ColumnsOf(CsvImportFormat format) => format switch
    {
        CsvImportFormat.Sites => SiteColumns,
        CsvImportFormat.Locations => LocationColumns,
        CsvImportFormat.Elements => ElementColumns,
        CsvImportFormat.Dids => DidColumns,
        _ => RequesterColumns,
    };

    /// <summary>Writes one object kind of <paramref name="wiremap"/> (<c>sites</c>, <c>locations</c>, …) as CSV.</summary>
    public static void Write(Stream output, TenantWiremap wiremap, CsvImportFormat kind)
    {
        ArgumentNullException.ThrowIfNull(wiremap);
        if (TeamsLisCsv.IsTeams(kind))
        {
            TeamsLisCsv.Write(output, wiremap, kind);
            return;
        }
        using var writer = CsvWriter.Create(output, CsvWriterOptions.Default, leaveOpen: true);
        writer.WriteHeader(ColumnsOf(kind));
        IEnumerable<string?[]> rows = kind switch
        {
            CsvImportFormat.Sites => wiremap.Sites.Select(s => (string?[])[s.Id, s.Name, .. CivicAddress.ElementNames.Select(n => s.Address[n]), .. PointFields(s.Point), s.CallbackNumber, .. GeocodedFields(s.GeocodedVersion)]),
            CsvImportFormat.Locations => wiremap.Locations.Select(l => (string?[])[l.Id, l.SiteId, l.Floor, l.Unit, l.Room, l.Text, .. PointFields(l.Point), Join(l.Elins), l.CallbackNumber, .. GeocodedFields(l.GeocodedVersion)]),
            CsvImportFormat.Elements => wiremap.Elements.Select(e => (string?[])[WiremapDiff.KindName(e.Kind), e.Value, e.LocationId, e.SiteId, e.OffPremises ? "true" : null, e.Description]),
            CsvImportFormat.Dids => wiremap.Dids.Select(d => (string?[])[d.Number, d.LocationId, d.CallbackNumber, d.HeldCapable ? null : "false", d.User]),
            _ => wiremap.Requesters.Select(r => (string?[])[r.Name, r.KeySha256, Join(r.SourceCidrs), r.ReferenceOnly ? "true" : null]),
        };
        foreach (var row in rows) WriteRow(writer, row);
        writer.Flush();
    }

    /// <summary>Writes one record, each text field guarded against spreadsheet formula injection.</summary>
    internal static void WriteRow(CsvWriter writer, IReadOnlyList<string?> fields)
    {
        var guarded = new string?[fields.Count];
        for (var i = 0; i < guarded.Length; i++) guarded[i] = Guard(fields[i]);
        writer.WriteRecord(guarded);
    }

    /// <summary>Reads rows of our own format into <paramref name="edit"/>.</summary>
    public static void Apply(CsvImportFormat format, CsvTable table, WiremapEdit edit, ImportErrors errors)
    {
        var columns = ColumnsOf(format);
        foreach (var header in table.Headers.Where(h => !columns.Contains(h, StringComparer.OrdinalIgnoreCase)))
            errors.Add(table.HeaderLine, null, $"unknown column '{header}' (expected: {string.Join(',', columns)})");
        if (!table.Has(columns[0])) errors.Add(table.HeaderLine, null, $"the column {columns[0]} is missing");
        if (errors.Count > 0) return;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            var before = errors.Count;
            string? Get(string column) => Unguard(table.Get(row, column));
            bool Flag(string column, bool absent)
            {
                var text = Get(column);
                if (text is null) return absent;
                if (bool.TryParse(text, out var value)) return value;
                errors.Add(row.Line, column, $"'{text}' is not true or false");
                return absent;
            }
            GeoPoint? ReadPoint()
            {
                var values = Point.Select(c => (Column: c, Text: Get(c))).ToArray();
                if (values[0].Text is null && values[1].Text is null && values[2].Text is null) return null;
                var numbers = new double?[3];
                for (var i = 0; i < 3; i++)
                {
                    if (values[i].Text is null) continue;
                    if (double.TryParse(values[i].Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) numbers[i] = n;
                    else errors.Add(row.Line, values[i].Column, $"'{values[i].Text}' is not a number");
                }
                if (numbers[0] is null || numbers[1] is null)
                {
                    errors.Add(row.Line, numbers[0] is null ? "latitude" : "longitude", "a point needs both latitude and longitude");
                    return null;
                }
                return new GeoPoint(numbers[0]!.Value, numbers[1]!.Value, numbers[2]);
            }

            long? ReadGeocoded()
            {
                var versionText = Get("gisVersion");
                long? version = null;
                if (versionText is not null)
                {
                    if (long.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)) version = parsed;
                    else errors.Add(row.Line, "gisVersion", $"'{versionText}' is not a whole number of 0 or more");
                }
                return Flag("geocoded", absent: false) ? version ?? 0 : null;
            }

            var key = Get(columns[0]);
            if (key is null)
            {
                errors.Add(row.Line, columns[0], "is required");
                continue;
            }
            switch (format)
            {
                case CsvImportFormat.Sites:
                    {
                        var address = new CivicAddress();
                        foreach (var name in CivicAddress.ElementNames) CivicAddress.TrySet(address, name, Get(name), out address);
                        foreach (var error in CivicAddressValidator.Validate(address, "")) errors.Add(row.Line, error.Path.TrimStart('/'), error.Message);
                        var site = new Site(key, Get("name")!, address, ReadPoint(), Get("callbackNumber")) { GeocodedVersion = ReadGeocoded() };
                        if (errors.Count == before) edit.PutSite(site, row.Line);
                        break;
                    }
                case CsvImportFormat.Locations:
                    {
                        var elins = Get("elins")?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        var location = new DispatchableLocation(key, Get("siteId")!, Get("floor"), Get("unit"), Get("room"), Get("text"), ReadPoint(), elins, Get("callbackNumber"))
                        {
                            GeocodedVersion = ReadGeocoded(),
                        };
                        if (errors.Count == before) edit.PutLocation(location, row.Line);
                        break;
                    }
                case CsvImportFormat.Elements:
                    {
                        var kindText = key;
                        var kind = Enum.GetValues<ElementKind>().Cast<ElementKind?>().FirstOrDefault(k => WiremapDiff.KindName(k!.Value).Equals(kindText, StringComparison.OrdinalIgnoreCase));
                        if (kind is null)
                        {
                            errors.Add(row.Line, "kind", $"unknown kind '{kindText}' (bssid, bssidPrefix, chassisPort, chassis, deviceMac, subnet, gatewayMac, publicIp)");
                            break;
                        }
                        var value = Get("value");
                        var normalized = WiremapValidator.NormalizeElementValue(kind.Value, value);
                        if (normalized is null)
                        {
                            errors.Add(row.Line, "value", value is null ? "is required" : $"'{value}' is not a {kindText} value");
                            break;
                        }
                        key = kindText.ToUpperInvariant() + " " + normalized;
                        var element = new NetworkElement(kind.Value, value!, Get("locationId"), Get("siteId"), Flag("offPremises", false), Get("description"));
                        if (errors.Count == before && seen.TryAdd(key, row.Line)) edit.PutElement(element, row.Line);
                        else if (errors.Count == before) errors.Add(row.Line, "value", $"the same element as line {seen[key]}");
                        continue;
                    }
                case CsvImportFormat.Dids:
                    {
                        var normalized = Core.Identifiers.PhoneNumber.Normalize(key);
                        if (normalized is null)
                        {
                            errors.Add(row.Line, "number", $"'{key}' is not a telephone number");
                            break;
                        }
                        key = normalized;
                        var did = new DidAssignment(Get("number")!, Get("locationId")!, Get("callbackNumber"), Flag("heldCapable", true), Get("user"));
                        if (errors.Count == before) edit.PutDid(did, row.Line);
                        break;
                    }
                default:
                    {
                        var cidrs = Get("sourceCidrs")?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        var requester = new Requester(key, Get("keySha256"), cidrs, Flag("referenceOnly", false));
                        if (errors.Count == before) edit.PutRequester(requester, row.Line);
                        break;
                    }
            }
            if (errors.Count == before && !seen.TryAdd(key, row.Line))
                errors.Add(row.Line, columns[0], $"'{key}' is also on line {seen[key]}");
        }
    }

    private static IEnumerable<string?> PointFields(GeoPoint? point) =>
        point is { } p
            ? [p.Latitude.ToString("R", CultureInfo.InvariantCulture), p.Longitude.ToString("R", CultureInfo.InvariantCulture), p.Altitude?.ToString("R", CultureInfo.InvariantCulture)]
            : [null, null, null];

    private static IEnumerable<string?> GeocodedFields(long? version) =>
        version is { } v ? ["true", v.ToString(CultureInfo.InvariantCulture)] : [null, null];

    private static string? Join(IReadOnlyList<string>? list) => list is { Count: > 0 } ? string.Join(' ', list) : null;

    private static bool IsFormulaStart(char c) => c is '=' or '@' or '+' or '-' or '\t' or '\r';

    // "+15125550100", "-97.7431" and "+15125559301 +15125559302" stay as they are: signs, digits, dots and spaces
    // hold no function or reference for a spreadsheet to run.
    private static bool IsNumbers(string text) =>
        text[0] is '+' or '-' && text.All(c => char.IsAsciiDigit(c) || c is '.' or ' ' or '+' or '-');

    internal static string? Guard(string? value) =>
        value is { Length: > 0 } && IsFormulaStart(value[0]) && !IsNumbers(value) ? "'" + value : value;

    internal static string? Unguard(string? value) =>
        value is { Length: > 1 } && value[0] == '\'' && IsFormulaStart(value[1]) && !IsNumbers(value[1..]) ? value[1..] : value;
}
