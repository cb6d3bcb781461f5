using System.Globalization;
using CsvHelper;
using LocationServer.Data.Storage;

namespace LocationServer.Locating.Imports;

/// <summary>
/// The calls list as CSV, one call per row with the columns of the JSON call record view
/// (<c>GET /admin/tenants/{tenant}/calls</c>); times in UTC ISO 8601. Calling numbers and call ids come from the
/// network, so every text field is guarded against spreadsheet formula injection as in <see cref="WiremapCsv"/>.
/// </summary>
internal static class CallRecordCsv
{
    private static readonly string[] Columns =
        ["id", "time", "callId", "dialed", "testCall", "callingNumber", "locationSource", "locationId", "civicDisplay", "routeKind", "routeUri", "routeName", "callbackNumber", "policyId"];

    public static void Write(Stream output, IEnumerable<CallRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        using var writer = CsvWriter.Create(output, CsvWriterOptions.Default, leaveOpen: true);
        writer.WriteHeader(Columns);
        foreach (var r in records)
        {
            WiremapCsv.WriteRow(writer,
            [
                r.Id.ToString("D"),
                DateTime.SpecifyKind(r.TimeUtc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                r.CallId, r.Dialed, r.TestCall ? "true" : "false", r.CallingNumber, r.LocationSource, r.LocationId, r.CivicDisplay,
                r.RouteKind, r.RouteUri, r.RouteName, r.CallbackNumber, r.PolicyId,
            ]);
        }
        writer.Flush();
    }
}
