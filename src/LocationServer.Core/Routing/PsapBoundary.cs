using NetTopologySuite.Geometries;

namespace LocationServer.Core.Routing;

/// <summary>
/// A PSAP's service boundary: the area whose emergency calls it answers (NENA i3 PSAP polygon, the data a LoST
/// server maps from, RFC 5222 §8). Coordinates are WGS 84 with X = longitude and Y = latitude.
/// </summary>
/// <param name="Id">Stable identifier of the boundary.</param>
/// <param name="TenantId">Owning tenant, or null for a boundary shared by every tenant.</param>
/// <param name="Name">PSAP name, e.g. "Austin-Travis County 9-1-1".</param>
/// <param name="SipUri">Where calls for this PSAP are sent, e.g. "sip:psap-austin@esinet.example".</param>
/// <param name="Polygon">A valid <see cref="NetTopologySuite.Geometries.Polygon"/> or <see cref="MultiPolygon"/>.</param>
public sealed record PsapBoundary(string Id, string? TenantId, string Name, string SipUri, Geometry Polygon);

/// <summary>One rejected feature of a boundary import; <see cref="Index"/> is its zero-based position in the input.</summary>
public sealed record PsapBoundaryError(int Index, string? Id, string Message)
{
    public override string ToString() => Id is null ? $"feature {Index}: {Message}" : $"feature {Index} ({Id}): {Message}";
}

/// <summary>The outcome of a boundary import: the boundaries that passed validation and the errors of those that did not.</summary>
public sealed record PsapBoundaryImportResult(IReadOnlyList<PsapBoundary> Boundaries, IReadOnlyList<PsapBoundaryError> Errors)
{
    /// <summary>True when every feature passed.</summary>
    public bool IsValid => Errors.Count == 0;
}
