using System.Globalization;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Endpoints;
using LocationServer.Errors;
using LocationServer.Routing.Endpoints;

namespace LocationServer.Admin;

/// <summary>A page of a listing: the items, the number of items in all pages, and the window asked for.</summary>
internal sealed record PageResponse<T>(IReadOnlyList<T> Items, int Total, int Offset, int Limit);

/// <summary>
/// HTTP plumbing shared by the emergency endpoint and user routes: paging, ETag / If-Match (RFC 9110 §13.1.1), and the
/// mapping of store outcomes to status codes and RFC 9457 problem details naming the field path.
/// </summary>
internal static partial class EndpointDirectoryHttp
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    private static readonly string[] IdTaken = ["/id: already taken; PUT to change it"];

    /// <summary>The strong entity tag of an object at <paramref name="version"/>.</summary>
    public static string ETag(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>Checks <c>offset</c> and <c>limit</c>; null when both are fine.</summary>
    public static IResult? Paging(int? offset, int? limit, out int start, out int count)
    {
        start = offset ?? 0;
        count = limit ?? DefaultLimit;
        var errors = new List<string>();
        if (start < 0) errors.Add("offset: must be 0 or more");
        if (count is < 1 or > MaxLimit) errors.Add($"limit: must be between 1 and {MaxLimit}");
        return errors.Count > 0 ? Problems.Invalid(errors) : null;
    }

    /// <summary>
    /// The version an <c>If-Match</c> header requires: null when the header is absent or <c>*</c>. A tag that is not
    /// one of ours can never match; it is returned as -1 so the write answers 412.
    /// </summary>
    public static long? IfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*") return null;
        var tag = header.Split(',')[0].Trim();
        if (tag.StartsWith("W/", StringComparison.Ordinal)) return -1; // weak tags never match for writes (RFC 9110 §13.1.1)
        return long.TryParse(tag.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : -1;
    }

    /// <summary>True for <c>If-None-Match: *</c> (create only).</summary>
    public static bool IfNoneMatchAny(HttpRequest request) => request.Headers.IfNoneMatch.ToString().Trim() == "*";

    /// <summary>The refusal for a write that did not succeed; null when it did.</summary>
    public static IResult? Refusal<T>(DirectoryWrite<T> write, HttpResponse response, string what)
    {
        ArgumentNullException.ThrowIfNull(write);
        switch (write.Status)
        {
            case DirectoryWriteStatus.Ok:
            case DirectoryWriteStatus.Created:
                return null;
            case DirectoryWriteStatus.Invalid:
                return Problems.Invalid(Errors(write.Errors));
            case DirectoryWriteStatus.NotFound:
                return Problems.NotFound(write.Errors is { Count: > 0 } e ? e[0].Message : $"No {what}.");
            case DirectoryWriteStatus.Exists:
                if (write.CurrentVersion is { } v) response.Headers.ETag = ETag(v);
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: $"The {what} exists already; nothing was changed.",
                    extensions: new Dictionary<string, object?> { ["errors"] = IdTaken });
            case DirectoryWriteStatus.PreconditionFailed:
                if (write.CurrentVersion is { } current) response.Headers.ETag = ETag(current);
                return Results.Problem(statusCode: StatusCodes.Status412PreconditionFailed,
                    title: $"The {what} changed since it was read (If-Match) or exists already (If-None-Match); nothing was changed.",
                    detail: write.CurrentVersion is { } now ? $"Its current ETag is {ETag(now)}: read it again and retry." : $"There is no such {what}.");
            default:
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: $"The {what} clashes with other objects; nothing was changed.",
                    extensions: new Dictionary<string, object?> { ["errors"] = Errors(write.Errors) });
        }
    }

    public static string[] Errors(IReadOnlyList<ValidationError>? errors) => [.. (errors ?? []).Select(e => e.ToString())];

    /// <summary>Null when <paramref name="site"/> is a site of the tenant's wiremap, else the error at <paramref name="path"/>.</summary>
    public static string? UnknownSite(TenantIndex index, string? site, string path) =>
        site is null || index.FindLocation(site) is { IsSiteLevel: true } ? null : $"{path}: no site '{Short(site)}' in tenant '{index.Tenant.Id}'";

    /// <summary>Loads this node's directory at once after a write, so the answer that follows the write already uses it.</summary>
    public static async Task RefreshAsync(EndpointDirectoryLoader loader, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await loader.ReloadIfChangedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Committed; the loader's next poll picks it up.
            Log.RefreshFailed(logger, ex);
        }
    }

    /// <summary>
    /// Null when the caller may change objects of <paramref name="site"/> of the tenant (null: objects of the whole
    /// domain, which site managers may not change), else the 403 saying who was refused what.
    /// </summary>
    public static IResult? SiteRefusal(HttpContext context, string tenant, string? site, string what)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = AdminCaller.From(context.User);
        if (caller is not null && caller.MaySite(tenant, site)) return null;
        return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
            detail: $"{caller?.Describe() ?? "This caller"} may not change {what} {(site is null ? "of the whole domain" : $"of site '{Short(site)}'")}.");
    }

    /// <summary>
    /// Null when the caller reads the whole tenant, or is a site manager of <paramref name="site"/>; else the 403.
    /// For routes declared <see cref="AdminAccess.SiteRead"/> whose site comes from a query or a stored object.
    /// </summary>
    public static IResult? ReadRefusal(HttpContext context, string tenant, string? site, string what)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = AdminCaller.From(context.User);
        if (caller is not null && (caller.Allows(AdminAccess.TenantRead, tenant, null) || (site is not null && caller.Allows(AdminAccess.SiteRead, tenant, site)))) return null;
        return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
            detail: $"{caller?.Describe() ?? "This caller"} may not read {what} {(site is null ? "of the whole domain" : $"of site '{Short(site)}'")}.");
    }

    public static string Short(string value) => value.Length <= 40 ? value : value[..40] + "…";

    private static partial class Log
    {
        [LoggerMessage(EventId = 2703, Level = LogLevel.Warning, Message = "The endpoint directory change is committed but this node could not reload it yet; the next poll will")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);
    }
}
