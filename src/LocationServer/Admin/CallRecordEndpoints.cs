using System.Globalization;
using LocationServer.Core.Matching;
using LocationServer.Data.Storage;
using LocationServer.Errors;
using LocationServer.Routing;

namespace LocationServer.Admin;

/// <summary>
/// Call records query for administrators: <c>GET /admin/tenants/{tenant}/calls?from=&amp;to=&amp;limit=</c> and
/// <c>GET /admin/tenants/{tenant}/calls/{id}</c>, under the
/// same authorization as the other admin endpoints (security desk, tenant admins and auditors of the tenant).
/// Records are committed in the background after each call's answer; this node's queued records are written before
/// the query, another node's within about 100 ms of its answer.
/// </summary>
internal static class CallRecordEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    public static IEndpointRouteBuilder MapCallRecords(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").WithTags("Administration").RequireAuthorization(AdminAuthentication.Policy);

        admin.MapGet("/tenants/{tenant}/calls", async (string tenant, string? from, string? to, int? limit,
            WiremapIndexHolder holder, WiremapStore store, CallRecordWriter writer, TimeProvider time, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var now = time.GetUtcNow();
            if (!TryParseTime(to, now, out var toUtc)) return Problems.Invalid("to is not an ISO 8601 date-time.");
            if (!TryParseTime(from, toUtc - DefaultWindow, out var fromUtc)) return Problems.Invalid("from is not an ISO 8601 date-time.");
            if (fromUtc > toUtc) return Problems.Invalid("from is after to.");
            if (limit is < 1) return Problems.Invalid("limit must be at least 1.");
            var take = Math.Min(limit ?? DefaultLimit, MaxLimit);
            // This node's calls answered a moment ago are in the list: their queued records are committed first.
            await writer.FlushAsync(ct).ConfigureAwait(false);
            var records = await store.ListCallRecordsAsync(index.Tenant.Id, fromUtc.UtcDateTime, toUtc.UtcDateTime, take, ct).ConfigureAwait(false);
            return Results.Ok(records.Select(View));
        }).WithAdminAccess(AdminAccess.SecurityRead).WithSummary("List a tenant's call records, newest first (default: the last 24 hours, 100 records; at most 1000).");

        admin.MapGet("/tenants/{tenant}/calls/{id:guid}", async (string tenant, Guid id, WiremapIndexHolder holder, WiremapStore store, CallRecordWriter writer, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            await writer.FlushAsync(ct).ConfigureAwait(false);
            var record = await store.FindCallRecordAsync(index.Tenant.Id, id, ct).ConfigureAwait(false);
            return record is null ? Problems.NotFound($"No call record {id:N} in tenant '{tenant}'.") : Results.Ok(View(record));
        }).WithAdminAccess(AdminAccess.SecurityRead).WithSummary("One call record (the link in alert e-mails).");

        return app;
    }

    private static object View(Data.Storage.CallRecord r) => new
    {
        id = r.Id,
        time = DateTime.SpecifyKind(r.TimeUtc, DateTimeKind.Utc),
        callId = r.CallId,
        dialed = r.Dialed,
        testCall = r.TestCall,
        callingNumber = r.CallingNumber,
        locationSource = r.LocationSource,
        locationId = r.LocationId,
        civicDisplay = r.CivicDisplay,
        routeKind = r.RouteKind,
        routeUri = r.RouteUri,
        routeName = r.RouteName,
        callbackNumber = r.CallbackNumber,
        policyId = r.PolicyId,
    };

    internal static bool TryParseTime(string? text, DateTimeOffset fallback, out DateTimeOffset value)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            value = fallback;
            return true;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }
}
