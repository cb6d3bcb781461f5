using LocationServer.Core.Routing;
using LocationServer.Core.Wiremap;
using NetTopologySuite.Geometries;

namespace LocationServer.Core.Tests.Routing;

public sealed class RepresentativePointTests
{
    private static Polygon Polygon(IReadOnlyList<GeoPoint> ring) =>
        new GeometryFactory().CreatePolygon([.. ring.Select(p => new Coordinate(p.Longitude, p.Latitude)), new Coordinate(ring[0].Longitude, ring[0].Latitude)]);

    [Fact]
    public void OfPolygon_ConcaveRing_PointLiesInsideWhereTheVertexAverageDoesNot()
    {
        // A "U" open to the north: the vertex average falls in the opening.
        GeoPoint[] ring = [new(0, 0), new(0, 3), new(3, 3), new(3, 2), new(1, 2), new(1, 1), new(3, 1), new(3, 0)];
        var polygon = Polygon(ring);
        var average = new GeoPoint(ring.Average(p => p.Latitude), ring.Average(p => p.Longitude));
        Assert.False(polygon.Contains(new Point(average.Longitude, average.Latitude)));

        var point = RepresentativePoint.OfPolygon(ring);

        Assert.True(polygon.Contains(new Point(point.Longitude, point.Latitude)), $"({point.Latitude}, {point.Longitude}) is outside");
    }

    [Fact]
    public void OfPolygon_ClosedOrOpenRing_SamePoint()
    {
        GeoPoint[] open = [new(30.2, -97.8), new(30.2, -97.7), new(30.3, -97.7), new(30.3, -97.8)];
        Assert.Equal(RepresentativePoint.OfPolygon(open), RepresentativePoint.OfPolygon([.. open, open[0]]));
    }

    [Fact]
    public void OfPolygon_TwoPositions_FirstPosition()
    {
        Assert.Equal(new GeoPoint(1, 2), RepresentativePoint.OfPolygon([new(1, 2), new(3, 4)]));
    }
}
