using System.Buffers;
using System.Globalization;
using System.Xml.Linq;
using LocationServer.Core.Wiremap;
using LocationServer.Held.Pidf;
using LocationServer.Held.Tests.Support;

namespace LocationServer.Held.Tests;

public class PidfLoWriterTests
{
    private static readonly XNamespace Pidf = "urn:ietf:params:xml:ns:pidf";
    private static readonly XNamespace Gp = "urn:ietf:params:xml:ns:pidf:geopriv10";
    private static readonly XNamespace Gbp = "urn:ietf:params:xml:ns:pidf:geopriv10:basicPolicy";
    private static readonly XNamespace Ca = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr";
    private static readonly XNamespace Gml = "http://www.opengis.net/gml";
    private static readonly XNamespace Gs = "http://www.opengis.net/pidflo/1.0";
    private static readonly XNamespace Lmsrc = "urn:ietf:params:xml:ns:pidf:geopriv10:lmsrc";

    /// <summary>Standalone document (RFC 6753 §3.2), schema-validated and structure-checked.</summary>
    private static (XElement Presence, List<XElement> Tuples) Write(PidfLo pidf)
    {
        var buffer = new ArrayBufferWriter<byte>();
        PidfLoWriter.WriteDocument(pidf, buffer);
        var bytes = buffer.WrittenSpan.ToArray();
        SchemaValidator.AssertValid(bytes);
        var presence = XDocument.Load(new MemoryStream(bytes)).Root!;
        return (presence, PidfStructure.AssertConformant(presence));
    }

    private static XElement Shape(XElement tuple) =>
        tuple.Element(Pidf + "status")!.Element(Gp + "geopriv")!.Element(Gp + "location-info")!.Elements().Single();

    [Fact]
    public void Rfc5139_CivicOnly_OneTupleWithElementsInSchemaOrder()
    {
        var (_, tuples) = Write(Samples.Pidf(Samples.Location(Samples.Civic with { Country = "us" })));
        var tuple = Assert.Single(tuples);
        Assert.Equal("lis1", (string)tuple.Attribute("id")!);
        var civic = Shape(tuple);
        Assert.Equal(Ca + "civicAddress", civic.Name);
        Assert.Equal(["country", "A1", "A3", "RD", "STS", "HNO", "FLR", "NAM", "PC", "ROOM"], civic.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("US", civic.Element(Ca + "country")!.Value);
    }

    [Fact]
    public void Rfc5491_5_2_1_PointOnly_WritesPointWith4326AndInvariantDoubles()
    {
        var previous = CultureInfo.CurrentCulture;
        // Invariant globalization is on; a comma-decimal culture is built by hand (as "de-DE" would format).
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NegativeSign = "\u2212";
        CultureInfo.CurrentCulture = comma;
        try
        {
            var (_, tuples) = Write(Samples.Pidf(Samples.Location(point: new GeoPoint(38.8895, -77.0353))));
            var point = Shape(Assert.Single(tuples));
            Assert.Equal(Gml + "Point", point.Name);
            Assert.Equal("urn:ogc:def:crs:EPSG::4326", (string)point.Attribute("srsName")!);
            Assert.Equal("38.8895 -77.0353", point.Element(Gml + "pos")!.Value);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Rfc5491_5_2_1_PointWithAltitude_Uses4979()
    {
        var (_, tuples) = Write(Samples.Pidf(Samples.Location(point: new GeoPoint(-34.407242, 150.882518, 12.25))));
        var point = Shape(Assert.Single(tuples));
        Assert.Equal("urn:ogc:def:crs:EPSG::4979", (string)point.Attribute("srsName")!);
        Assert.Equal("-34.407242 150.882518 12.25", point.Element(Gml + "pos")!.Value);
    }

    [Fact]
    public void Rfc5491_5_2_3_Circle_WritesRadiusInMetres()
    {
        var (_, tuples) = Write(Samples.Pidf(Samples.Location(point: new GeoPoint(30.2672, -97.7431), radius: 30)));
        var circle = Shape(Assert.Single(tuples));
        Assert.Equal(Gs + "Circle", circle.Name);
        Assert.Equal("urn:ogc:def:crs:EPSG::4326", (string)circle.Attribute("srsName")!);
        var radius = circle.Element(Gs + "radius")!;
        Assert.Equal("30", radius.Value);
        Assert.Equal("urn:ogc:def:uom:EPSG::9001", (string)radius.Attribute("uom")!);
    }

    [Fact]
    public void Rfc5491_5_2_6_RadiusWithAltitude_WritesSphere()
    {
        var (_, tuples) = Write(Samples.Pidf(Samples.Location(point: new GeoPoint(30.2672, -97.7431, 150), radius: 8)));
        var sphere = Shape(Assert.Single(tuples));
        Assert.Equal(Gs + "Sphere", sphere.Name);
        Assert.Equal("urn:ogc:def:crs:EPSG::4979", (string)sphere.Attribute("srsName")!);
    }

    [Fact]
    public void Rfc5491_3_CivicAndPoint_SeparateTuplesCivicFirstByDefault()
    {
        var (_, tuples) = Write(Samples.Pidf(Samples.Location(Samples.Civic, new GeoPoint(30.2672, -97.7431))));
        Assert.Equal(["lis1-civic", "lis1-geo"], tuples.Select(t => (string)t.Attribute("id")!));
        Assert.Equal(Ca + "civicAddress", Shape(tuples[0]).Name);
        Assert.Equal(Gml + "Point", Shape(tuples[1]).Name);
    }

    [Fact]
    public void Rfc5985_6_2_RequestedOrderGeodeticFirst_PutsGeodeticTupleFirst()
    {
        var location = Samples.Location(Samples.Civic, new GeoPoint(30.2672, -97.7431), 25) with
        {
            LocationTypesOrder = [LocationType.LocationUri, LocationType.Geodetic, LocationType.Civic],
        };
        var (_, tuples) = Write(Samples.Pidf(location));
        Assert.Equal(Gs + "Circle", Shape(tuples[0]).Name);
        Assert.Equal(Ca + "civicAddress", Shape(tuples[1]).Name);
    }

    [Fact]
    public void Rfc4119_2_2_2_UsageRules_AlwaysPresentWithUtcZ()
    {
        var location = Samples.Location(Samples.Civic) with { RetransmissionAllowed = true, ProvidedBy = "Example Corp wiremap" };
        var (_, tuples) = Write(Samples.Pidf(location));
        var geopriv = tuples[0].Element(Pidf + "status")!.Element(Gp + "geopriv")!;
        var rules = geopriv.Element(Gp + "usage-rules")!;
        Assert.Equal("true", rules.Element(Gbp + "retransmission-allowed")!.Value);
        Assert.Equal("2026-11-23T21:04:05Z", rules.Element(Gbp + "retention-expiry")!.Value);
        Assert.Equal("2026-11-22T21:04:05Z", tuples[0].Element(Pidf + "timestamp")!.Value);
        Assert.Equal("Wiremap", geopriv.Element(Gp + "method")!.Value);
        Assert.Equal("lis", geopriv.Element(Lmsrc + "source")!.Value);
        Assert.Equal("Example Corp wiremap", tuples[0].Element(Pidf + "note")!.Value);
    }

    [Fact]
    public void Rfc3863_TupleId_StartingWithDigit_IsPrefixedAndUnique()
    {
        var (_, tuples) = Write(Samples.Pidf(
            Samples.Location(Samples.Civic, id: "3f2a 11"),
            Samples.Location(Samples.Civic with { FLR = "4" }, id: "3f2a 11")));
        Assert.Equal(["t3f2a_11", "t3f2a_11-2"], tuples.Select(t => (string)t.Attribute("id")!));
    }

    [Fact]
    public void Rfc7105_7_2_4_MultipleLocations_KeepCallerOrder()
    {
        var trusted = Samples.Location(Samples.Civic, id: "trusted");
        var device = Samples.Location(point: new GeoPoint(30.1, -97.1), radius: 50, id: "device") with { Source = "device", Method = "802.11" };
        var (_, tuples) = Write(Samples.Pidf(trusted, device));
        Assert.Equal(["trusted", "device"], tuples.Select(t => (string)t.Attribute("id")!));
    }

    [Fact]
    public void WritePresence_NoShape_Throws()
    {
        Assert.Throws<ArgumentException>(() => PidfLoWriter.WriteDocument(Samples.Pidf(Samples.Location()), new MemoryStream()));
    }

    [Fact]
    public void WritePresence_InvalidPoint_Throws()
    {
        Assert.Throws<ArgumentException>(() => PidfLoWriter.WriteDocument(Samples.Pidf(Samples.Location(point: new GeoPoint(91, 0))), new MemoryStream()));
    }
}
