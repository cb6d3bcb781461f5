using System.Xml.Linq;
using LocationServer.Core.Wiremap;
using LocationServer.Held.Lost;
using LocationServer.Held.Tests.Support;

namespace LocationServer.Held.Tests;

public class LostTests
{
    private static readonly XNamespace Lost = "urn:ietf:params:xml:ns:lost1";

    private static FindServiceRequest Ok(byte[] body)
    {
        var result = LostRequestReader.Parse(new MemoryStream(body));
        Assert.True(result.IsSuccess, result.Error?.Kind + ": " + result.Error?.Message);
        return result.Request;
    }

    private static LostError Err(string xml)
    {
        var result = LostRequestReader.Parse(new MemoryStream(TestFiles.Utf8(xml)));
        Assert.False(result.IsSuccess);
        return result.Error;
    }

    private static string Find(string location, string extra = "") =>
        $"<findService xmlns=\"urn:ietf:params:xml:ns:lost1\" xmlns:gml=\"http://www.opengis.net/gml\" xmlns:gs=\"http://www.opengis.net/pidflo/1.0\" {extra}>{location}<service>urn:service:sos</service></findService>";

    [Fact]
    public void Rfc5222_8_2_1_Fig1_GeodeticQuery_ParsesPoint()
    {
        var request = Ok(TestFiles.Vector("rfc5222-fig1-findService-geodetic.xml"));
        Assert.True(request.Recursive);
        Assert.Equal(ServiceBoundaryKind.Value, request.ServiceBoundary);
        Assert.Equal("urn:service:sos.police", request.Service);
        Assert.Equal("6020688f1ce1896d", request.Location.Id);
        Assert.Equal(new LostGeometry(LostGeometryKind.Point, [new GeoPoint(37.775, -122.422)]).Points, request.Location.Geometry!.Points);
        Assert.Equal(LostGeometryKind.Point, request.Location.Geometry.Kind);
    }

    [Fact]
    public void Rfc5222_8_2_2_Fig3_CivicQuery_ParsesCivic()
    {
        var request = Ok(TestFiles.Vector("rfc5222-fig3-findService-civic.xml"));
        var civic = request.Location.Civic!;
        Assert.Equal("DE", civic.Country);
        Assert.Equal("Munich", civic.A3);
        Assert.Equal("Otto-Hahn-Ring", civic.A6);
        Assert.Equal("civic", request.Location.Profile);
    }

    [Fact]
    public void Rfc5222_12_1_Fig15_UnknownProfileFirst_UsesBaselineLocation()
    {
        var request = Ok(TestFiles.Vector("rfc5222-fig15-findService-multiple-profiles.xml"));
        Assert.Equal("DEF 345", request.Location.Id);
        Assert.Equal(new GeoPoint(42.656844, -73.348157), request.Location.Geometry!.Points[0]);
    }

    [Fact]
    public void Kamailio_Civic_ParsesEveryElement()
    {
        var request = Ok(TestFiles.Vector("kamailio-5.6.3_lost-findService_civic.xml"));
        Assert.Equal("SDru0mV3MYWaJmIN", request.Location.Id);
        Assert.Equal("301", request.Location.Civic!.ROOM);
        Assert.Equal("urn:service:sos", request.Service);
        Assert.False(request.ValidateLocation);
    }

    [Fact]
    public void Kamailio_Circle_ParsesCentreAndRadius()
    {
        var geometry = Ok(TestFiles.Vector("kamailio-5.6.3_lost-findService_circle.xml")).Location.Geometry!;
        Assert.Equal(LostGeometryKind.Circle, geometry.Kind);
        Assert.Equal(new GeoPoint(30.2672, -97.7431), Assert.Single(geometry.Points));
        Assert.Equal(30, geometry.Radius);
    }

    [Fact]
    public void Kamailio_Point_ParsesPoint()
    {
        var geometry = Ok(TestFiles.Vector("kamailio-5.6.3_lost-findService_point.xml")).Location.Geometry!;
        Assert.Equal(LostGeometryKind.Point, geometry.Kind);
    }

    [Theory]
    [InlineData("<gml:pos>1 1</gml:pos><gml:pos>1 2</gml:pos><gml:pos>2 2</gml:pos><gml:pos>1 1</gml:pos>")]
    [InlineData("<gml:posList>1 1 1 2 2 2 1 1</gml:posList>")]
    public void Rfc5491_5_2_2_Polygon_PosOrPosList_ParsesExteriorRing(string positions)
    {
        var request = Ok(TestFiles.Utf8(Find(
            $"<location id=\"a\" profile=\"geodetic-2d\"><gml:Polygon srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:exterior><gml:LinearRing>{positions}</gml:LinearRing></gml:exterior></gml:Polygon></location>",
            "validateLocation=\"true\"")));
        Assert.True(request.ValidateLocation);
        Assert.Equal(LostGeometryKind.Polygon, request.Location.Geometry!.Kind);
        Assert.Equal([new GeoPoint(1, 1), new GeoPoint(1, 2), new GeoPoint(2, 2), new GeoPoint(1, 1)], request.Location.Geometry.Points);
    }

    [Fact]
    public void Rfc5222_6_Path_ViasAreKeptInOrder()
    {
        var request = Ok(TestFiles.Utf8(
            "<findService xmlns=\"urn:ietf:params:xml:ns:lost1\"><location id=\"a\" profile=\"civic\"><civicAddress xmlns=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\"><country>US</country></civicAddress></location>" +
            "<service>urn:service:sos</service><path><via source=\"a.example\"/><via source=\"b.example\"/></path></findService>"));
        Assert.Equal(["a.example", "b.example"], request.Path);
    }

    [Fact]
    public void Rfc5222_12_OnlyUnknownProfiles_IsLocationProfileUnrecognized()
    {
        var error = Err(Find("<location id=\"a\" profile=\"prism-3d\"><gs:Prism/></location>"));
        Assert.Equal(LostErrorKind.LocationProfileUnrecognized, error.Kind);
        Assert.Equal(["prism-3d"], error.UnsupportedProfiles);
    }

    [Theory]
    [InlineData("<location id=\"a\" profile=\"geodetic-2d\"><gml:Point srsName=\"urn:ogc:def:crs:EPSG::27700\"><gml:pos>1 1</gml:pos></gml:Point></location>")]
    [InlineData("<location id=\"a\" profile=\"geodetic-2d\"><gml:Point><gml:pos>91 1</gml:pos></gml:Point></location>")]
    [InlineData("<location id=\"a\" profile=\"geodetic-2d\"><gml:Point><gml:pos>1</gml:pos></gml:Point></location>")]
    [InlineData("<location id=\"a\" profile=\"geodetic-2d\"><gs:Circle><gml:pos>1 1</gml:pos></gs:Circle></location>")]
    [InlineData("<location id=\"a\" profile=\"geodetic-2d\"><gs:Circle><gml:pos>1 1</gml:pos><gs:radius uom=\"urn:ogc:def:uom:EPSG::9102\">3</gs:radius></gs:Circle></location>")]
    [InlineData("<location id=\"a\" profile=\"civic\"><gml:Point><gml:pos>1 1</gml:pos></gml:Point></location>")]
    public void Rfc5222_13_1_BadGeometry_IsLocationInvalid(string location)
    {
        Assert.Equal(LostErrorKind.LocationInvalid, Err(Find(location)).Kind);
    }

    [Theory]
    [InlineData("<listServices xmlns=\"urn:ietf:params:xml:ns:lost1\"><service>urn:service:sos</service></listServices>", "listServices")]
    [InlineData("<getServiceBoundary xmlns=\"urn:ietf:params:xml:ns:lost1\" key=\"k\"/>", "getServiceBoundary")]
    [InlineData("<findService xmlns=\"urn:example:other\"/>", "{urn:example:other}findService")]
    public void Rfc5222_OtherRoot_IsBadRequestNamingIt(string xml, string name)
    {
        var error = Err(xml);
        Assert.Equal(LostErrorKind.BadRequest, error.Kind);
        Assert.Equal(name, error.RootElement);
    }

    [Theory]
    [InlineData("<findService xmlns=\"urn:ietf:params:xml:ns:lost1\"><service>urn:service:sos</service></findService>")]
    [InlineData("<findService xmlns=\"urn:ietf:params:xml:ns:lost1\" recursive=\"maybe\"><location id=\"a\"/></findService>")]
    [InlineData("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><findService xmlns=\"urn:ietf:params:xml:ns:lost1\">&e;</findService>")]
    [InlineData("<findService xmlns=\"urn:ietf:params:xml:ns:lost1\"><location id=\"a\">")]
    [InlineData("")]
    [InlineData("not xml")]
    public void Rfc5222_MalformedOrHostile_IsBadRequest(string xml)
    {
        Assert.Equal(LostErrorKind.BadRequest, Err(xml).Kind);
    }

    [Fact]
    public void DeepNesting_IsBadRequest()
    {
        var open = string.Concat(Enumerable.Repeat("<x:n xmlns:x=\"urn:example:n\">", 1000));
        var close = string.Concat(Enumerable.Repeat("</x:n>", 1000));
        Assert.Equal(LostErrorKind.BadRequest, Err($"<findService xmlns=\"urn:ietf:params:xml:ns:lost1\">{open}{close}</findService>").Kind);
    }

    [Fact]
    public void Rfc5222_8_4_FindServiceResponse_IsRelaxNgValidWithDisplayNameAndPath()
    {
        var bytes = WriteResponse(new FindServiceResponse
        {
            Mappings =
            [
                new LostMapping
                {
                    DisplayNames = [new LostDisplayName("Austin PSAP")],
                    Service = "urn:service:sos",
                    Uris = ["sip:psap@austin.example", "xmpp:psap@austin.example"],
                    ServiceNumber = "911",
                    Expires = Samples.Now.AddHours(1),
                    LastUpdated = Samples.Now,
                    Source = "ecrf.lis.example",
                    SourceId = "m-42",
                },
            ],
            Warnings = [new LostWarning(LostWarningKind.ServiceSubstitution, "Used urn:service:sos for sos.animal-control")],
            RequestPath = ["ecrf.upstream.example"],
            Source = "ecrf.lis.example",
            LocationUsed = "SDru0mV3MYWaJmIN",
        });
        var root = XDocument.Load(new MemoryStream(bytes)).Root!;
        var mapping = root.Element(Lost + "mapping")!;
        Assert.Equal("en", (string)mapping.Element(Lost + "displayName")!.Attribute(XNamespace.Xml + "lang")!);
        Assert.Equal("2026-11-22T22:04:05Z", (string)mapping.Attribute("expires")!);
        Assert.Equal(["ecrf.upstream.example", "ecrf.lis.example"], root.Element(Lost + "path")!.Elements(Lost + "via").Select(v => (string)v.Attribute("source")!));
        Assert.Equal("SDru0mV3MYWaJmIN", (string)root.Element(Lost + "locationUsed")!.Attribute("id")!);
    }

    [Fact]
    public void Kamailio_MappingWithoutDisplayName_StillWritesOneWithLang()
    {
        var bytes = WriteResponse(new FindServiceResponse
        {
            Mappings = [new LostMapping { Service = "urn:service:sos", Uris = ["sip:psap@127.0.0.1"], LastUpdated = Samples.Now, Source = "ecrf.example", SourceId = "m1" }],
            Source = "ecrf.example",
        });
        var root = XDocument.Load(new MemoryStream(bytes)).Root!;
        var mapping = root.Element(Lost + "mapping")!;
        var name = mapping.Element(Lost + "displayName")!;
        Assert.Equal("en", (string)name.Attribute(XNamespace.Xml + "lang")!);
        Assert.Equal("NO-CACHE", (string)mapping.Attribute("expires")!);
        Assert.Null(root.Element(Lost + "locationUsed"));
    }

    [Theory]
    [InlineData(LostErrorKind.BadRequest, "badRequest")]
    [InlineData(LostErrorKind.Forbidden, "forbidden")]
    [InlineData(LostErrorKind.InternalError, "internalError")]
    [InlineData(LostErrorKind.LocationInvalid, "locationInvalid")]
    [InlineData(LostErrorKind.Loop, "loop")]
    [InlineData(LostErrorKind.NotFound, "notFound")]
    [InlineData(LostErrorKind.ServerError, "serverError")]
    [InlineData(LostErrorKind.ServerTimeout, "serverTimeout")]
    [InlineData(LostErrorKind.ServiceNotImplemented, "serviceNotImplemented")]
    [InlineData(LostErrorKind.LocationProfileUnrecognized, "locationProfileUnrecognized")]
    public void Rfc5222_13_1_Errors_EveryKind_IsRelaxNgValid(LostErrorKind kind, string element)
    {
        using var stream = new MemoryStream();
        LostResponseWriter.WriteErrors("ecrf.example", kind, "Something   failed\n here", stream, ["prism-3d"]);
        var bytes = stream.ToArray();
        Jing.AssertValid(bytes);
        var error = XDocument.Load(new MemoryStream(bytes)).Root!.Elements().Single();
        Assert.Equal(element, error.Name.LocalName);
        Assert.Equal("Something failed here", (string)error.Attribute("message")!);
    }

    [Fact]
    public void Rfc5222_13_1_ErrorWithoutMessage_IsRelaxNgValid()
    {
        using var stream = new MemoryStream();
        LostResponseWriter.WriteErrors("ecrf.example", new LostError(LostErrorKind.NotFound, ""), stream);
        Jing.AssertValid(stream.ToArray());
    }

    [Fact]
    public void Jing_RejectsInvalidLost_SoValidationIsReal()
    {
        var (code, _) = Jing.Validate(TestFiles.Utf8("<findServiceResponse xmlns=\"urn:ietf:params:xml:ns:lost1\"><mapping/></findServiceResponse>"));
        Assert.NotEqual(0, code);
    }

    [Fact]
    public void WriteFindServiceResponse_BadSource_Throws()
    {
        Assert.Throws<ArgumentException>(() => LostResponseWriter.WriteFindServiceResponse(
            new FindServiceResponse { Mappings = [], Source = "nodots" }, new MemoryStream()));
    }

    private static byte[] WriteResponse(FindServiceResponse response)
    {
        using var stream = new MemoryStream();
        LostResponseWriter.WriteFindServiceResponse(response, stream);
        var bytes = stream.ToArray();
        Jing.AssertValid(bytes);
        return bytes;
    }
}
