using LocationServer.Core.Wiremap;
using NetTopologySuite.Geometries;

namespace LocationServer.Core.Routing;

/// <summary>One point that stands for an area where only a point can be looked up (a LoST polygon location, RFC 5222 §12.2).</summary>
public static class RepresentativePoint
{
    /// <summary>
    /// A point inside the polygon whose exterior ring is <paramref name="ring"/> (NetTopologySuite's interior point,
    /// which lies inside even a concave polygon, unlike the vertex average); the first position when the ring
    /// encloses no area.
    /// </summary>
    public static GeoPoint OfPolygon(IReadOnlyList<GeoPoint> ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        if (ring.Count == 0) throw new ArgumentException("The ring has no positions.", nameof(ring));
        var coordinates = new List<Coordinate>(ring.Count + 1);
        foreach (var point in ring) coordinates.Add(new Coordinate(point.Longitude, point.Latitude));
        if (!coordinates[0].Equals2D(coordinates[^1])) coordinates.Add(coordinates[0].Copy());
        if (coordinates.Count < 4) return ring[0];
        var polygon = PsapGeometry.Factory.CreatePolygon([.. coordinates]);
        var interior = polygon.InteriorPoint;
        return interior is null || interior.IsEmpty || !double.IsFinite(interior.X) || !double.IsFinite(interior.Y)
            ? ring[0]
            : new GeoPoint(interior.Y, interior.X);
    }
}
