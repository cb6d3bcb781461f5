using System.Security.Cryptography;
using System.Text.Json;
using LocationServer.Core.Wiremap;
using LocationServer.Errors;
using LocationServer.Locating.Wiremap;

namespace LocationServer.Admin;

/// <summary>
/// HTTP plumbing of the per-object wiremap routes: strong entity tags computed from an object's content (RFC 9110
/// §8.8.3), so two administrators editing different objects never conflict, the If-Match check (RFC 9110 §13.1.1),
/// the mapping of <see cref="WiremapChangeApplier"/> outcomes to status codes and RFC 9457 problem details, and the
/// shared readers of civic addresses and points in request bodies.
/// </summary>
internal static class WiremapObjectHttp
{
    private static readonly JsonSerializerOptions HashOptions = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The strong entity tag of an object: the first 128 bits of the SHA-256 of its JSON form, quoted. Any change to
    /// any field (including fields added to the record later) changes it.
    /// </summary>
    public static string ETag<T>(T value)
    {
        var hash = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(value, HashOptions));
        return "\"" + Convert.ToHexStringLower(hash.AsSpan(0, 16)) + "\"";
    }

    /// <summary>
    /// Null when the request may change the object whose current tag is <paramref name="current"/> (no If-Match,
    /// <c>If-Match: *</c> on an existing object, or a listed tag equal to it); otherwise the 412 refusal with the current tag.
    /// Weak tags never match for writes.
    /// </summary>
    public static WiremapRefusal? IfMatch(HttpRequest request, string current)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*") return null;
        foreach (var raw in header.Split(','))
        {
            var tag = raw.Trim();
            if (string.Equals(tag, current, StringComparison.Ordinal)) return null;
        }
        return new WiremapRefusal(WiremapRefusalKind.PreconditionFailed, [$"The object changed since it was read; its current ETag is {current}: read it again and retry."], current);
    }

    /// <summary>The refusal to answer for an outcome that was not applied; null when it was applied or unchanged.</summary>
    public static IResult? Refusal<T>(WiremapChangeOutcome<T> outcome, HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(response);
        if (outcome.Status == WiremapChangeStatus.Unavailable) return Problems.Unavailable(outcome.Errors);
        if (outcome.Refusal is not { } refusal) return null;
        switch (refusal.Kind)
        {
            case WiremapRefusalKind.NotFound:
                return Problems.NotFound(refusal.Errors.Count > 0 ? refusal.Errors[0] : "Not found.");
            case WiremapRefusalKind.Invalid:
                return Problems.Invalid(refusal.Errors);
            case WiremapRefusalKind.Forbidden:
                return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: string.Join(" ", refusal.Errors));
            case WiremapRefusalKind.PreconditionFailed:
                if (refusal.CurrentETag is not null) response.Headers.ETag = refusal.CurrentETag;
                return Results.Problem(statusCode: StatusCodes.Status412PreconditionFailed,
                    title: "The object changed since it was read (If-Match); nothing was changed.", detail: string.Join(" ", refusal.Errors));
            default:
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The change clashes with other objects; nothing was changed.",
                    extensions: new Dictionary<string, object?> { ["errors"] = refusal.Errors.ToArray() });
        }
    }

    /// <summary>
    /// A civic address from a body's RFC 5139 element map (values trimmed, blanks absent); unknown element names are
    /// errors at <c>{path}/{name}</c>.
    /// </summary>
    public static CivicAddress Address(IReadOnlyDictionary<string, string?>? elements, string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var address = new CivicAddress();
        if (elements is null) return address;
        foreach (var (name, value) in elements)
        {
            if (!CivicAddress.TrySet(address, name, string.IsNullOrWhiteSpace(value) ? null : value.Trim(), out address))
                errors.Add($"{path}/{name}: not an RFC 5139 element (known: {string.Join(", ", CivicAddress.ElementNames)})");
        }
        return address;
    }

    /// <summary>A civic address as a body writes it: RFC 5139 element name → value, in schema order.</summary>
    public static IReadOnlyDictionary<string, string> Elements(CivicAddress address) =>
        address.Elements().ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);

    /// <summary>A point from a body (null when absent); a missing coordinate is an error at <c>{path}/latitude</c> or <c>/longitude</c>.</summary>
    public static GeoPoint? Point(PointBody? point, string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (point is null) return null;
        if (point.Latitude is null) errors.Add(path + "/latitude: is required");
        if (point.Longitude is null) errors.Add(path + "/longitude: is required");
        return point.Latitude is { } lat && point.Longitude is { } lon ? new GeoPoint(lat, lon, point.Altitude) : null;
    }

    /// <summary>Trimmed text, null when blank.</summary>
    public static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>A WGS 84 point: latitude and longitude in degrees, altitude in metres (optional).</summary>
internal sealed record PointBody(double? Latitude, double? Longitude, double? Altitude = null)
{
    public static PointBody? From(GeoPoint? point) => point is { } p ? new PointBody(p.Latitude, p.Longitude, p.Altitude) : null;
}
