using LocationServer.Core.Routing;
using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Tests.Routing;

public sealed class PsapBoundaryIndexTests
{
    // A county-sized square around Austin and a city-sized square inside it (lon/lat).
    private const string CountyAndCity = """
        {
          "type": "FeatureCollection",
          "features": [
            { "type": "Feature", "properties": { "id": "travis", "name": "Travis County 9-1-1", "uri": "sip:travis@esinet.example" },
              "geometry": { "type": "Polygon", "coordinates": [[[-98.2,30.0],[-97.3,30.0],[-97.3,30.6],[-98.2,30.6],[-98.2,30.0]]] } },
            { "type": "Feature", "properties": { "id": "austin", "name": "Austin 9-1-1", "uri": "sip:austin@esinet.example" },
              "geometry": { "type": "MultiPolygon", "coordinates": [[[[-97.8,30.2],[-97.7,30.2],[-97.7,30.3],[-97.8,30.3],[-97.8,30.2]]]] } }
          ]
        }
        """;

    private static PsapBoundaryIndex Build(string json, string? tenant = null)
    {
        var result = PsapBoundaryImport.FromGeoJson(json, tenant);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        return PsapBoundaryIndex.Build(result.Boundaries, 1);
    }

    [Fact]
    public void Find_PointInsideOnlyCounty_ReturnsCounty()
    {
        var index = Build(CountyAndCity);
        Assert.Equal("travis", index.Find(new GeoPoint(30.5, -98.0))?.Id);
    }

    [Fact]
    public void Find_PointInsideOverlap_SmallestAreaWins()
    {
        var index = Build(CountyAndCity);
        var psap = index.Find(new GeoPoint(30.2672, -97.7431));
        Assert.Equal("austin", psap?.Id);
        Assert.Equal("sip:austin@esinet.example", psap?.SipUri);
        Assert.Equal("Austin 9-1-1", psap?.Name);
    }

    [Fact]
    public void Find_PointOutsideEveryBoundary_ReturnsNull()
    {
        var index = Build(CountyAndCity);
        Assert.Null(index.Find(new GeoPoint(40.7, -74.0)));
    }

    [Fact]
    public void Find_PointOnEdge_CountsAsInside()
    {
        var index = Build(CountyAndCity);
        Assert.Equal("travis", index.Find(new GeoPoint(30.0, -98.0))?.Id);
    }

    [Fact]
    public void Find_PointInHole_IsNotCovered()
    {
        const string withHole = """
            { "type": "FeatureCollection", "features": [
              { "type": "Feature", "properties": { "id": "ring", "name": "Ring", "uri": "sip:ring@example" },
                "geometry": { "type": "Polygon", "coordinates": [
                  [[0,0],[10,0],[10,10],[0,10],[0,0]],
                  [[4,4],[6,4],[6,6],[4,6],[4,4]] ] } } ] }
            """;
        var index = Build(withHole);
        Assert.Null(index.Find(new GeoPoint(5, 5)));
        Assert.Equal("ring", index.Find(new GeoPoint(1, 1))?.Id);
    }

    [Fact]
    public void Find_TenantBoundary_OnlyForThatTenant()
    {
        var shared = PsapBoundaryImport.FromGeoJson(CountyAndCity, null).Boundaries.Where(b => b.Id == "travis");
        var own = PsapBoundaryImport.FromWkt("campus", "acme", "Campus PSAP", "sip:campus@acme.example",
            "POLYGON((-97.75 30.26, -97.73 30.26, -97.73 30.28, -97.75 30.28, -97.75 30.26))").Boundaries;
        var index = PsapBoundaryIndex.Build(shared.Concat(own), 1);
        var point = new GeoPoint(30.27, -97.74);
        Assert.Equal("campus", index.Find(point, "acme")?.Id);
        Assert.Equal("travis", index.Find(point, "other")?.Id);
        Assert.Equal("travis", index.Find(point)?.Id);
    }

    [Fact]
    public void Find_EmptyIndex_ReturnsNull()
    {
        Assert.Null(PsapBoundaryIndex.Empty.Find(new GeoPoint(30.2, -97.7)));
    }

    [Fact]
    public void Find_InvalidPoint_ReturnsNull()
    {
        var index = Build(CountyAndCity);
        Assert.Null(index.Find(new GeoPoint(double.NaN, -97.7)));
    }

    [Fact]
    public void FromGeoJson_SelfIntersectingPolygon_ReportsFeatureIndex()
    {
        const string bowtie = """
            { "type": "FeatureCollection", "features": [
              { "type": "Feature", "properties": { "id": "ok", "name": "Ok", "uri": "sip:ok@example" },
                "geometry": { "type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1],[0,0]]] } },
              { "type": "Feature", "properties": { "id": "bowtie", "name": "Bowtie", "uri": "sip:b@example" },
                "geometry": { "type": "Polygon", "coordinates": [[[0,0],[2,2],[2,0],[0,2],[0,0]]] } } ] }
            """;
        var result = PsapBoundaryImport.FromGeoJson(bowtie, null);
        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Index);
        Assert.Equal("bowtie", error.Id);
        Assert.Contains("Self-intersection", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("ok", Assert.Single(result.Boundaries).Id);
    }

    [Fact]
    public void FromGeoJson_UnclosedRing_ReportsFeatureIndex()
    {
        const string open = """
            { "type": "FeatureCollection", "features": [
              { "type": "Feature", "properties": { "id": "open", "name": "Open", "uri": "sip:o@example" },
                "geometry": { "type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1]]] } } ] }
            """;
        var error = Assert.Single(PsapBoundaryImport.FromGeoJson(open, null).Errors);
        Assert.Equal(0, error.Index);
        Assert.Contains("ring 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromGeoJson_LatitudeOutOfRange_ReportsPosition()
    {
        const string swapped = """
            { "type": "FeatureCollection", "features": [
              { "type": "Feature", "properties": { "id": "a", "name": "A", "uri": "sip:a@example" },
                "geometry": { "type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1],[0,0]]] } },
              { "type": "Feature", "properties": { "id": "swapped", "name": "Swapped", "uri": "sip:s@example" },
                "geometry": { "type": "Polygon", "coordinates": [[[30,-97],[30,-98],[31,-98],[31,-97],[30,-97]],[[30.2,-97.5],[30.3,-97.5],[30.3,-97.6],[30.2,-97.5]]] } },
              { "type": "Feature", "properties": { "id": "north", "name": "North", "uri": "sip:n@example" },
                "geometry": { "type": "Polygon", "coordinates": [[[0,89],[1,89],[1,91],[0,89]]] } } ] }
            """;
        // Feature 1 has latitude and longitude swapped (latitude -97), feature 2 reaches latitude 91.
        var result = PsapBoundaryImport.FromGeoJson(swapped, null);
        Assert.Equal([1, 2], result.Errors.Select(e => e.Index));
        Assert.All(result.Errors, e => Assert.Contains("outside longitude", e.Message, StringComparison.Ordinal));
        Assert.Equal("a", Assert.Single(result.Boundaries).Id);
    }

    [Theory]
    [InlineData("""{ "type": "Feature", "properties": { "name": "N", "uri": "sip:x@y" }, "geometry": { "type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]] } }""", "\"id\"")]
    [InlineData("""{ "type": "Feature", "properties": { "id": "x", "name": "N", "uri": "http://x" }, "geometry": { "type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]] } }""", "sip:")]
    [InlineData("""{ "type": "Feature", "properties": { "id": "x", "name": "N", "uri": "sip:x@y" }, "geometry": { "type": "Point", "coordinates": [0,0] } }""", "not Polygon")]
    [InlineData("""{ "type": "Feature", "properties": { "id": "x", "name": "N", "uri": "sip:x@y" }, "geometry": { "type": "Polygon", "coordinates": [[[0,0],[1,0],[0,0]]] } }""", "four positions")]
    public void FromGeoJson_InvalidFeature_ReportsWhy(string feature, string expected)
    {
        var error = Assert.Single(PsapBoundaryImport.FromGeoJson(feature, null).Errors);
        Assert.Equal(0, error.Index);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromGeoJson_DuplicateId_ReportsSecond()
    {
        const string json = """
            { "type": "FeatureCollection", "features": [
              { "type": "Feature", "properties": { "id": "a", "name": "A", "uri": "sip:a@example" }, "geometry": { "type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]] } },
              { "type": "Feature", "properties": { "id": "a", "name": "A2", "uri": "sip:a@example" }, "geometry": { "type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]] } } ] }
            """;
        var result = PsapBoundaryImport.FromGeoJson(json, null);
        Assert.Equal(1, Assert.Single(result.Errors).Index);
        Assert.Single(result.Boundaries);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{ "type": "Polygon", "coordinates": [] }""")]
    public void FromGeoJson_NotAFeatureCollection_ReportsDocumentError(string json)
    {
        Assert.Equal(-1, Assert.Single(PsapBoundaryImport.FromGeoJson(json, null).Errors).Index);
    }

    [Theory]
    [InlineData("POLYGON((0 0, 1 0, 1 1, 0 1))")]
    [InlineData("POLYGON((0 0, 2 2, 2 0, 0 2, 0 0))")]
    [InlineData("POINT(1 1)")]
    [InlineData("POLYGON((0 0, 200 0, 200 1, 0 0))")]
    [InlineData("POLYGON((0 0, 1 0")]
    public void FromWkt_Invalid_ReturnsError(string wkt)
    {
        var result = PsapBoundaryImport.FromWkt("x", null, "X", "sip:x@example", wkt);
        Assert.False(result.IsValid);
        Assert.Empty(result.Boundaries);
    }

    [Fact]
    public void FromWkt_ValidMultiPolygon_IsIndexed()
    {
        var result = PsapBoundaryImport.FromWkt("m", null, "M", "sips:m@example",
            "MULTIPOLYGON(((0 0, 1 0, 1 1, 0 1, 0 0)), ((5 5, 6 5, 6 6, 5 6, 5 5)))");
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var index = PsapBoundaryIndex.Build(result.Boundaries, 1);
        Assert.Equal("m", index.Find(new GeoPoint(5.5, 5.5))?.Id);
        Assert.Null(index.Find(new GeoPoint(3, 3)));
    }

    [Fact]
    public void Holder_Swap_OlderVersionIgnored()
    {
        var holder = new PsapBoundaryIndexHolder();
        var v2 = Build(CountyAndCity);
        var newer = PsapBoundaryIndex.Build(v2.Find(new GeoPoint(30.5, -98.0)) is { } b ? [b] : [], 5);
        Assert.True(holder.Swap(newer));
        Assert.False(holder.Swap(PsapBoundaryIndex.Build([], 2)));
        Assert.Same(newer, holder.Current);
    }
}
