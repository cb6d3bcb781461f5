using LocationServer.Core.Gis;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using LocationServer.Locating.Gis;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace LocationServer.Admin;

/// <summary>
/// GIS data administration: load the authority's data (system scope: it is shared by every tenant), see which version
/// is in force, and validate a civic address against it (tenant scope: used when sites, locations and nomadic
/// addresses are provisioned).
/// </summary>
internal static class GisEndpoints
{
    /// <summary>Problems listed in a load answer at most (the count is always complete).</summary>
    public const int MaxProblemsListed = 1000;

    public static RouteGroupBuilder MapGis(this RouteGroupBuilder admin)
    {
        admin.MapPut("/gis", LoadAsync)
            .WithSummary("Load the authority's GIS data (GeoPackage, zip of shapefiles, or MSAG CSV) as a new version for every tenant and replica.")
            .WithDescription("The body is the file; ?name= gives its file name, whose extension (.gpkg, .zip, .csv) selects the format. Unusable features are reported by id and skipped.")
            .Accepts<byte[]>("application/geopackage+sqlite3", "application/zip", "text/csv", "application/octet-stream");

        admin.MapGet("/gis", StatusAsync).WithSummary("Show the GIS data version in force on this node and the stored versions.");

        admin.MapGet("/tenants/{tenant}/address-validation", GetPolicyAsync)
            .WithSummary("Show whether the tenant refuses wiremap saves with addresses the GIS data finds invalid, or stores them with a warning.");
        admin.MapPut("/tenants/{tenant}/address-validation", SetPolicyAsync)
            .WithSummary("Choose whether wiremap saves with invalid addresses are refused (invalidAddresses: refuse) or stored with a warning (warn, the default).");

        admin.MapPost("/tenants/{tenant}/addresses/validate", Validate)
            .WithSummary("Validate and geocode a civic address against the GIS data: valid (with a point), invalid (naming the elements), or unchecked.");
        return admin;
    }

    private static async Task<Results<Ok<GisLoadResponse>, ProblemHttpResult>> LoadAsync(
        string? name, HttpContext context, GisDataService data, IOptions<GisOptions> options, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name) || GisFileReader.FormatOf(name) is null)
            return Problem(StatusCodes.Status400BadRequest, "name: give the file name with its extension (.gpkg, .zip of shapefiles, or .csv MSAG).");
        name = Path.GetFileName(name.Trim());
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.Value.MaxUploadBytes;
        var path = Path.Combine(Path.GetTempPath(), $"locationserver-upload-{Guid.NewGuid():N}{Path.GetExtension(name)}");
        try
        {
            await using (var file = File.Create(path))
                await context.Request.Body.CopyToAsync(file, ct).ConfigureAwait(false);
            var result = await data.LoadFileAsync(path, name, ct).ConfigureAwait(false);
            if (result.Error is not null) return Problem(StatusCodes.Status400BadRequest, result.Error, result.Report);
            return TypedResults.Ok(GisLoadResponse.From(result.Dataset!, result.Report));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, $"The file exceeds Gis:MaxUploadBytes ({options.Value.MaxUploadBytes} bytes).");
        }
        catch (StorageUnavailableException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<Ok<GisStatusResponse>> StatusAsync(GisIndexHolder holder, GisStore store, CancellationToken ct)
    {
        var index = holder.Current;
        IReadOnlyList<GisDataset> stored;
        try
        {
            stored = await store.ListAsync(ct).ConfigureAwait(false);
        }
        catch (StorageUnavailableException)
        {
            stored = [];
        }
        return TypedResults.Ok(new GisStatusResponse(
            index.Version.Number, index.Version.Name, index.Version.Number == 0 ? null : index.Version.LoadedAt,
            index.AddressPointCount, index.SegmentCount, index.AreaCount, index.CommunityCount,
            [.. stored.Select(s => new GisStoredVersion(s.Version, s.Name, s.Format, s.Sha256, new DateTimeOffset(s.LoadedUtc, TimeSpan.Zero), s.Features, s.Problems))]));
    }

    private static async Task<Results<Ok<AddressValidationResponse>, ProblemHttpResult>> Validate(string tenant, HttpRequest request, WiremapIndexHolder wiremap, GisIndexHolder gis)
    {
        if (!wiremap.Current.TryGetTenant(tenant, out _)) return Problem(StatusCodes.Status404NotFound, $"Unknown tenant '{tenant}'.");
        var (body, problem) = await AdminJson.ReadAsync<AddressValidationRequest>(request).ConfigureAwait(false);
        if (problem is not null) return problem;
        if (body!.Address is null) return Problem(StatusCodes.Status400BadRequest, "/address: required (an RFC 5139 civic address: country, A1, A3, RD, STS, HNO, PC, …).");
        var index = gis.Current;
        return TypedResults.Ok(AddressValidationResponse.From(index.Validate(body.Address), body.Address, index.Version.Number));
    }

    private static async Task<Results<Ok<AddressValidationPolicy>, ProblemHttpResult>> GetPolicyAsync(string tenant, WiremapIndexHolder wiremap, GisStore store, CancellationToken ct)
    {
        if (!wiremap.Current.TryGetTenant(tenant, out var index)) return Problem(StatusCodes.Status404NotFound, $"Unknown tenant '{tenant}'.");
        try
        {
            var refuse = await store.GetRefuseInvalidAddressesAsync(index.Tenant.Id, ct).ConfigureAwait(false);
            return TypedResults.Ok(new AddressValidationPolicy(refuse ? "refuse" : "warn"));
        }
        catch (StorageUnavailableException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
    }

    private static async Task<Results<Ok<AddressValidationPolicy>, ProblemHttpResult>> SetPolicyAsync(string tenant, HttpRequest request, WiremapIndexHolder wiremap, GisStore store, CancellationToken ct)
    {
        if (!wiremap.Current.TryGetTenant(tenant, out var index)) return Problem(StatusCodes.Status404NotFound, $"Unknown tenant '{tenant}'.");
        var (body, problem) = await AdminJson.ReadAsync<AddressValidationPolicy>(request).ConfigureAwait(false);
        if (problem is not null) return problem;
        if (body!.InvalidAddresses is not ("refuse" or "warn")) return Problem(StatusCodes.Status400BadRequest, "/invalidAddresses: must be refuse or warn.");
        try
        {
            await store.SetRefuseInvalidAddressesAsync(index.Tenant.Id, body.InvalidAddresses == "refuse", ct).ConfigureAwait(false);
            return TypedResults.Ok(body);
        }
        catch (StorageUnavailableException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
    }

    private static ProblemHttpResult Problem(int status, string error, GisLoadReport? report = null)
    {
        var extensions = new Dictionary<string, object?> { ["errors"] = new[] { error } };
        if (report is not null && report.Problems.Count > 0)
            extensions["problems"] = report.Problems.Take(MaxProblemsListed).Select(p => p.ToString()).ToArray();
        return TypedResults.Problem(statusCode: status, title: status == StatusCodes.Status503ServiceUnavailable
            ? "The store is unavailable; nothing was changed. Retry later."
            : "The request is invalid; nothing was changed.", extensions: extensions);
    }
}

/// <summary>A civic address to validate (RFC 5139 element names: country, A1, A3, PRD, RD, STS, POD, HNO, HNS, PC, …).</summary>
internal sealed record AddressValidationRequest(CivicAddress? Address);

/// <summary>A tenant's choice for addresses the GIS data finds invalid when its wiremap is saved: <c>refuse</c> or <c>warn</c>.</summary>
internal sealed record AddressValidationPolicy(string? InvalidAddresses);

/// <summary>A point in WGS 84.</summary>
internal sealed record GisPoint(double Latitude, double Longitude);

/// <summary>
/// The validation of a civic address: <c>valid</c>, <c>invalid</c> or <c>unchecked</c>; the RFC 5139 elements that
/// matched, did not match, or were not checked; a message naming what is wrong and a suggestion when one candidate is
/// close; the point for a valid address (<c>geocode</c>: addressPoint or interpolated).
/// </summary>
internal sealed record AddressValidationResponse(
    string Validity, IReadOnlyList<string> Valid, IReadOnlyList<string> Invalid, IReadOnlyList<string> Unchecked,
    string? Message, string? Suggestion, GisPoint? Point, string? Geocode, long GisVersion)
{
    public static AddressValidationResponse From(AddressCheck check, CivicAddress address, long version) => new(
        ValidityName(check.Validity), [.. AddressCheck.Names(check.Valid)], [.. AddressCheck.Names(check.Invalid)], [.. check.UncheckedNames(address)],
        check.Message, check.Suggestion, check.Point is { } p ? new GisPoint(p.Latitude, p.Longitude) : null,
        check.Source switch
        {
            GeocodeSource.AddressPoint => "addressPoint",
            GeocodeSource.Interpolated => "interpolated",
            _ => null,
        },
        version);

    public static string ValidityName(AddressValidity validity) => validity switch
    {
        AddressValidity.Valid => "valid",
        AddressValidity.Invalid => "invalid",
        _ => "unchecked",
    };
}

/// <summary>A stored GIS version.</summary>
internal sealed record GisStoredVersion(long Version, string Name, string Format, string Sha256, DateTimeOffset LoadedAt, int Features, int Problems);

/// <summary>The GIS data in force on this node, and the stored versions (newest first).</summary>
internal sealed record GisStatusResponse(long Version, string Name, DateTimeOffset? LoadedAt, int AddressPoints, int Segments, int Polygons, int Communities, IReadOnlyList<GisStoredVersion> Stored);

/// <summary>A completed GIS load: the version stored, features loaded per layer, and the problems (first <see cref="GisEndpoints.MaxProblemsListed"/>).</summary>
internal sealed record GisLoadResponse(long Version, string Name, IReadOnlyDictionary<string, int> Loaded, int ProblemCount, int Skipped, IReadOnlyList<string> Problems)
{
    public static GisLoadResponse From(GisDataset dataset, GisLoadReport report) => new(
        dataset.Version, dataset.Name, report.Loaded, report.Problems.Count, report.Skipped,
        [.. report.Problems.Take(GisEndpoints.MaxProblemsListed).Select(p => p.ToString())]);
}
