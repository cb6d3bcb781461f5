using System.Globalization;
using System.Text.Json;
using LocationServer.Core.Matching;
using LocationServer.Data.Storage;
using LocationServer.Errors;

namespace LocationServer.Admin;

/// <summary>
/// The audit trail of admin changes. Every admin request other than GET/HEAD is recorded before its handler runs
/// (who, when, method, route, tenant, object); if that record cannot be written the change is refused with 503 and
/// nothing is changed, so no accepted change goes unrecorded. When the response starts, the entry gets the outcome
/// (HTTP status) and whatever the handler noted with <see cref="AdminAudit"/> (before/after summaries, the object id).
/// An entry whose outcome could not be written keeps a null status. Refused changes (4xx) are recorded with their
/// status too; the 401/403 of the authorization policy happen before and are not.
/// </summary>
internal static partial class AuditTrail
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>Records each change made through the group (see the type's summary).</summary>
    public static RouteGroupBuilder WithAuditTrail(this RouteGroupBuilder admin)
    {
        admin.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)) return await next(context).ConfigureAwait(false);
            var services = http.RequestServices;
            var store = services.GetRequiredService<WiremapStore>();
            var time = services.GetRequiredService<TimeProvider>();
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuditTrail));
            var caller = AdminCaller.From(http.User);
            var (_, tenant, _) = AdminAuthorizationHandler.Classify(http, services.GetRequiredService<WiremapIndexHolder>());
            var now = time.GetUtcNow();
            var endpoint = http.GetEndpoint() as RouteEndpoint;
            var pattern = endpoint?.RoutePattern.RawText ?? http.Request.Path.Value ?? "";
            var kind = endpoint?.Metadata.GetMetadata<AdminAuditKind>()?.Kind ?? $"{http.Request.Method} {pattern}";
            var objectId = http.Request.RouteValues.Where(v => v.Key is not "tenant").Select(v => v.Value?.ToString()).FirstOrDefault(v => v is not null);
            var entry = new AuditEntry(NewId(now), now.UtcDateTime, caller?.Actor ?? "unknown",
                caller is null ? "none" : AdminRoles.Name(caller.Role), tenant, kind, http.Request.Method, http.Request.Path.Value ?? "", objectId, null, null, null);
            try
            {
                await store.AppendAuditAsync(entry, http.RequestAborted).ConfigureAwait(false);
            }
            catch (StorageUnavailableException e)
            {
                return Problems.Unavailable(["The change could not be recorded in the audit trail, so it was not made: " + e.Message]);
            }
            var audit = new AdminAudit();
            http.Features.Set(audit);
            http.Response.OnStarting(async () =>
            {
                try
                {
                    await store.CompleteAuditAsync(entry.Id, http.Response.StatusCode, audit.Tenant, audit.ObjectId, audit.Before, audit.After, CancellationToken.None).ConfigureAwait(false);
                }
                catch (StorageUnavailableException e)
                {
                    Log.OutcomeNotRecorded(logger, entry.Id, e.Message);
                }
            });
            return await next(context).ConfigureAwait(false);
        });
        return admin;
    }

    private static long _sequence;

    /// <summary>
    /// An entry id that sorts by time and, within one process, by order of recording even inside one clock tick: the
    /// UTC ticks, a process sequence, and random bits (so replicas recording in the same tick do not collide), as 32
    /// lower-case hex digits. The audit trail pages newest first by this id.
    /// </summary>
    public static string NewId(DateTimeOffset now) => string.Create(CultureInfo.InvariantCulture,
        $"{now.UtcTicks:x16}{(uint)Interlocked.Increment(ref _sequence):x8}{System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue):x8}");

    /// <summary>Names the kind of change an endpoint makes in the audit trail (default: "METHOD /route/pattern").</summary>
    public static TBuilder WithAuditKind<TBuilder>(this TBuilder builder, string kind)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new AdminAuditKind(kind));

    /// <summary>GET /admin/audit (system, all-tenant auditors) and GET /admin/tenants/{tenant}/audit (tenant admins and auditors too).</summary>
    public static RouteGroupBuilder MapAuditTrail(this RouteGroupBuilder admin)
    {
        admin.MapGet("/audit", (string? tenant, string? since, string? until, string? actor, string? kind, string? cursor, int? limit, WiremapStore store, CancellationToken ct) =>
                QueryAsync(tenant, since, until, actor, kind, cursor, limit, store, ct))
            .WithAdminAccess(AdminAccess.SystemRead)
            .WithSummary("The audit trail of every tenant, newest first, a page at a time (tenant, since, until, actor, kind filters; next page via cursor).")
            .Produces<AuditPage>().ProducesProblem(StatusCodes.Status400BadRequest);
        admin.MapGet("/tenants/{tenant}/audit", (string tenant, string? since, string? until, string? actor, string? kind, string? cursor, int? limit, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
                QueryAsync(holder.Current.TryGetTenant(tenant, out var index) ? index.Tenant.Id : tenant, since, until, actor, kind, cursor, limit, store, ct))
            .WithAdminAccess(AdminAccess.AuditRead)
            .WithSummary("A tenant's audit trail, newest first, a page at a time (since, until, actor, kind filters; next page via cursor).")
            .Produces<AuditPage>().ProducesProblem(StatusCodes.Status400BadRequest);
        return admin;
    }

    private static async Task<IResult> QueryAsync(string? tenant, string? since, string? until, string? actor, string? kind, string? cursor, int? limit, WiremapStore store, CancellationToken ct)
    {
        var errors = new List<string>();
        var sinceUtc = ParseTime(since, "since", errors);
        var untilUtc = ParseTime(until, "until", errors);
        if (limit is < 1 or > MaxLimit) errors.Add($"limit: must lie between 1 and {MaxLimit}");
        if (cursor is not null && (cursor.Length != 32 || !cursor.All(char.IsAsciiHexDigitLower))) errors.Add("cursor: not a cursor from a previous page's next");
        if (errors.Count > 0) return Problems.Invalid(errors);
        var (entries, next) = await store.QueryAuditAsync(new AuditQuery(tenant, sinceUtc, untilUtc, actor, kind, cursor, limit ?? DefaultLimit), ct).ConfigureAwait(false);
        return TypedResults.Ok(new AuditPage([.. entries.Select(View)], next));
    }

    private static DateTime? ParseTime(string? text, string name, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)) return value.UtcDateTime;
        errors.Add($"{name}: not an ISO 8601 date-time");
        return null;
    }

    private static AuditEntryView View(AuditEntry e) => new(e.Id, DateTime.SpecifyKind(e.TimeUtc, DateTimeKind.Utc), e.Actor, e.ActorRole, e.TenantId, e.Kind,
        e.Method, e.Route, e.ObjectId, e.Status, Json(e.Before), Json(e.After));

    private static JsonElement? Json(string? text)
    {
        if (text is null) return null;
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7421, Level = LogLevel.Error, Message = "Audit entry {EntryId}: the outcome could not be recorded ({Reason}); the entry stays without a status")]
        public static partial void OutcomeNotRecorded(ILogger logger, string entryId, string reason);
    }
}

/// <summary>The audit kind an endpoint declares.</summary>
internal sealed record AdminAuditKind(string Kind);

/// <summary>
/// What a handler adds to the audit entry of the change it is making: the tenant and object when the route does not
/// name them, and JSON summaries of the state before and after.
/// </summary>
internal sealed class AdminAudit
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public string? Tenant { get; set; }
    public string? ObjectId { get; set; }
    public string? Before { get; private set; }
    public string? After { get; private set; }

    /// <summary>Notes the state before the change (serialised as JSON).</summary>
    public static void RecordBefore<T>(HttpContext context, T before)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<AdminAudit>() is { } audit) audit.Before = JsonSerializer.Serialize(before, Options);
    }

    /// <summary>Notes the state after the change (serialised as JSON).</summary>
    public static void RecordAfter<T>(HttpContext context, T after)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<AdminAudit>() is { } audit) audit.After = JsonSerializer.Serialize(after, Options);
    }

    /// <summary>Names the tenant and object changed, when the route does not.</summary>
    public static void RecordObject(HttpContext context, string? tenant, string? objectId)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<AdminAudit>() is not { } audit) return;
        audit.Tenant = tenant ?? audit.Tenant;
        audit.ObjectId = objectId ?? audit.ObjectId;
    }
}

/// <summary>One page of the audit trail; <c>next</c> is the cursor of the following page (null on the last).</summary>
internal sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, string? Next);

/// <summary>One audit entry: who (actor, role), when, what (kind, method, route, tenant, object), the outcome and the before/after summaries.</summary>
internal sealed record AuditEntryView(string Id, DateTime Time, string Actor, string ActorRole, string? Tenant, string Kind, string Method, string Route,
    string? ObjectId, int? Status, JsonElement? Before, JsonElement? After);
