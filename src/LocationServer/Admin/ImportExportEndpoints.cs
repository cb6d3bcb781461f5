using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using LocationServer.Errors;
using LocationServer.Locating.Imports;
using LocationServer.Locating.Wiremap;
using LocationServer.Routing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace LocationServer.Admin;

/// <summary>
/// CSV imports and exports of a tenant's wiremap (docs/import-formats.md): Skype for Business / Lync LIS files,
/// Microsoft Teams online LIS files, the Genesys PureConnect E911 station export, and our own CSV of every object kind and of the calls list. An
/// import is merged into the tenant's current wiremap, all or nothing, and a dry run returns what it would change.
/// </summary>
internal static class ImportExportEndpoints
{
    /// <summary>The default number of call records a calls export holds, and the most it may be asked for.</summary>
    public const int DefaultCallLimit = 10_000;
    public const int MaxCallLimit = 100_000;

    public static RouteGroupBuilder MapImportsAndExports(this RouteGroupBuilder admin)
    {
        admin.MapPost("/tenants/{tenant}/imports/{format}", async (string tenant, string format, bool? dryRun, int? prefixLength, int? ipv6PrefixLength,
            HttpContext context, CsvImporter importer, IOptions<AdminOptions> options, CancellationToken ct) =>
        {
            if (!CsvFormatNames.TryParse(format, out var parsed))
                return Problems.Invalid($"/format: unknown import format '{format}' (known: {CsvFormatNames.AllImports})");
            if (prefixLength is < 0 or > 32) return Problems.Invalid("/prefixLength: must be 0-32");
            if (ipv6PrefixLength is < 0 or > 128) return Problems.Invalid("/ipv6PrefixLength: must be 0-128");
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = options.Value.MaxWiremapBytes + (1L << 20);
            var settings = new CsvImportSettings(prefixLength ?? 24, ipv6PrefixLength ?? 64);
            var result = await importer.ImportAsync(tenant, parsed.Value, context.Request.Body, settings, dryRun ?? false, ct).ConfigureAwait(false);
            if (result.UnknownTenant) return Problems.UnknownTenant(tenant);
            if (result.StorageUnavailable) return Problems.Unavailable(result.Errors);
            if (result.Errors.Count > 0) return Problems.Invalid(result.Errors);
            var changes = WiremapChanges.From(result);
            AdminAudit.RecordAfter(context, new
            {
                format = format.ToLowerInvariant(),
                changes.DryRun,
                changes.Version,
                changes.Rows,
                changes = changes.Changes.Where(c => c.Added + c.Changed + c.Removed > 0).ToDictionary(c => c.Kind, c => new { c.Added, c.Changed, c.Removed }),
            });
            return TypedResults.Ok(changes);
        })
        .WithAuditKind("csv.import")
        .Accepts<string>("text/csv")
        .Produces<WiremapChanges>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .WithSummary("Merge a CSV file (sfb-subnet, sfb-wap, sfb-switch, sfb-port, teams-civic-address, teams-location, teams-subnet, teams-wap, teams-switch, teams-port, pureconnect, sites, locations, elements, dids, requesters) into the tenant's wiremap; all or nothing; dryRun=true only reports the changes.");

        // The calls export has its own route (a literal segment wins over {kind}): it is a security read, like the
        // calls list, while the wiremap exports are tenant reads.
        admin.MapGet("/tenants/{tenant}/exports/calls", async (string tenant, string? from, string? to, int? limit,
            WiremapStore store, WiremapIndexHolder holder, CallRecordWriter writer, TimeProvider time, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var now = time.GetUtcNow();
            if (!CallRecordEndpoints.TryParseTime(to, now, out var toUtc)) return Problems.Invalid("/to: not an ISO 8601 date-time.");
            if (!CallRecordEndpoints.TryParseTime(from, toUtc - CallRecordEndpoints.DefaultWindow, out var fromUtc)) return Problems.Invalid("/from: not an ISO 8601 date-time.");
            if (fromUtc > toUtc) return Problems.Invalid("/from: is after to.");
            if (limit is < 1 or > MaxCallLimit) return Problems.Invalid($"/limit: must be 1-{MaxCallLimit}.");
            await writer.FlushAsync(ct).ConfigureAwait(false);
            var records = await store.ListCallRecordsAsync(index.Tenant.Id, fromUtc.UtcDateTime, toUtc.UtcDateTime, limit ?? DefaultCallLimit, ct).ConfigureAwait(false);
            var stream = new MemoryStream();
            CallRecordCsv.Write(stream, records);
            stream.Position = 0;
            return TypedResults.File(stream, "text/csv; charset=utf-8", $"{tenant}-calls.csv");
        })
        .WithAdminAccess(AdminAccess.SecurityRead)
        .Produces<string>(StatusCodes.Status200OK, "text/csv")
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .WithSummary("Export the tenant's calls as CSV (from, to, limit; default the last 24 hours, 10000 calls): open to the security desk, like the calls list.");

        admin.MapGet("/tenants/{tenant}/exports/{kind}", async (string tenant, string kind, WiremapStore store, CancellationToken ct) =>
        {
            if (!CsvFormatNames.Exports.Contains(kind, StringComparer.OrdinalIgnoreCase) || kind.Equals("calls", StringComparison.OrdinalIgnoreCase))
                return Problems.Invalid($"/kind: unknown export '{kind}' (known: {string.Join(", ", CsvFormatNames.Exports)})");
            kind = kind.ToLowerInvariant();
            var wiremap = await store.GetTenantAsync(tenant, ct).ConfigureAwait(false);
            if (wiremap is null) return Problems.UnknownTenant(tenant);
            var stream = new MemoryStream();
            if (CsvFormatNames.TryParse(kind, out var format)) WiremapCsv.Write(stream, wiremap, format.Value);
            stream.Position = 0;
            return TypedResults.File(stream, "text/csv; charset=utf-8", $"{tenant}-{kind}.csv");
        })
        .Produces<string>(StatusCodes.Status200OK, "text/csv")
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .WithSummary("Export one object kind of the tenant's wiremap as CSV: our own (sites, locations, elements, dids, requesters) or a Microsoft Teams LIS file (teams-civic-address, teams-location, teams-subnet, teams-wap, teams-switch, teams-port); the calls have their own export.");

        return admin;
    }
}

/// <summary>What an import changed, or in a dry run would change, per kind of object.</summary>
/// <param name="Tenant">The tenant.</param>
/// <param name="Version">The wiremap version the change committed as; in a dry run, the version it was compared with.</param>
/// <param name="DryRun">True when nothing was stored.</param>
/// <param name="Rows">Data rows read (CSV imports).</param>
/// <param name="IgnoredColumns">Columns of the file the format does not use (CSV imports).</param>
/// <param name="Changes">Added, changed and removed objects per kind.</param>
internal sealed record WiremapChanges(string Tenant, long Version, bool DryRun, int? Rows, IReadOnlyList<string>? IgnoredColumns, IReadOnlyList<KindChanges> Changes)
{
    /// <summary>What the GIS address check noted without refusing (invalid addresses stored, points geocoded); omitted when none.</summary>
    public IReadOnlyList<string>? Warnings { get; init; }

    public static WiremapChanges From(ImportOutcome outcome) => new(
        outcome.TenantId ?? "",
        outcome.Version,
        outcome.DryRun,
        outcome.IgnoredColumns is null ? null : outcome.Rows,
        outcome.IgnoredColumns,
        outcome.Users is { } users ? [.. outcome.Diff?.Kinds ?? [], users] : outcome.Diff?.Kinds ?? [])
    {
        Warnings = outcome.Warnings.Count > 0 ? outcome.Warnings : null,
    };
}
