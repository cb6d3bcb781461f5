using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Lost;

/// <summary>
/// LoST findService on <c>POST /lost</c> with the demo PSAP boundaries, fed the real Kamailio 5.6.3 captures and
/// hand-written edge cases. Every response body is validated against the RFC 5222 RelaxNG schema with jing.
/// </summary>
public sealed class LostEndpointTests : IClassFixture<LocationServerFactory>
{
    private static readonly XNamespace L = "urn:ietf:params:xml:ns:lost1";
    private static readonly XNamespace XmlNs = XNamespace.Xml;
    private const string Jing = "/usr/bin/jing";
    private const string Source = "lost.locationserver.invalid";
    private const string AustinPsap = "sip:psap-austin@esinet.invalid";

    private readonly LocationServerFactory _factory;

    public LostEndpointTests(LocationServerFactory factory) => _factory = factory;

    private static string Vector(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Lost", "Vectors", name));

    private static string Point(double lat, double lon, string service = "urn:service:sos", string id = "loc-1", string path = "") =>
        "<findService xmlns=\"urn:ietf:params:xml:ns:lost1\" serviceBoundary=\"reference\" recursive=\"true\">" +
        $"<location id=\"{id}\" profile=\"geodetic-2d\"><gml:Point xmlns:gml=\"http://www.opengis.net/gml\" srsName=\"urn:ogc:def:crs:EPSG::4326\">" +
        $"<gml:pos>{lat.ToString(System.Globalization.CultureInfo.InvariantCulture)} {lon.ToString(System.Globalization.CultureInfo.InvariantCulture)}</gml:pos></gml:Point></location>" +
        $"<service>{service}</service>{path}</findService>";

    private async Task<(HttpResponseMessage Response, string Body)> PostAsync(string body, string contentType = "application/lost+xml;charset=utf-8")
    {
        using var client = _factory.CreateClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var response = await client.PostAsync(new Uri("/lost", UriKind.Relative), content);
        return (response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Posts, checks the LoST envelope (200, application/lost+xml) and validates the body against lost.rnc.</summary>
    private async Task<XDocument> FindServiceAsync(string body)
    {
        var (response, text) = await PostAsync(body);
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/lost+xml", response.Content.Headers.ContentType?.MediaType);
        }
        await ValidateAsync(text);
        return XDocument.Parse(text);
    }

    internal static async Task ValidateAsync(string xml)
    {
        if (!File.Exists(Jing)) Assert.Fail("jing is not installed at /usr/bin/jing: apt-get install -y jing");
        var schema = Path.Combine(AppContext.BaseDirectory, "Lost", "lost.rnc");
        Assert.True(File.Exists(schema), "lost.rnc was not copied to the test output: " + schema);
        var file = Path.Combine(Path.GetTempPath(), $"lost-response-{Guid.NewGuid():N}.xml");
        await File.WriteAllTextAsync(file, xml);
        try
        {
            var start = new ProcessStartInfo(Jing) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(schema);
            start.ArgumentList.Add(file);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"jing rejected the response ({process.ExitCode}): {await stdout}{await stderr}\n{xml}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static XElement SingleMapping(XDocument document)
    {
        Assert.Equal(L + "findServiceResponse", document.Root!.Name);
        var mapping = Assert.Single(document.Root.Elements(L + "mapping"));
        var displayName = Assert.Single(mapping.Elements(L + "displayName"));
        Assert.False(string.IsNullOrWhiteSpace((string?)displayName.Attribute(XmlNs + "lang")), "displayName lacks xml:lang");
        Assert.False(string.IsNullOrWhiteSpace(displayName.Value));
        var path = Assert.Single(document.Root.Elements(L + "path"));
        Assert.Contains(path.Elements(L + "via"), v => (string?)v.Attribute("source") == Source);
        return mapping;
    }

    private static string? LocationUsed(XDocument document) =>
        (string?)document.Root!.Element(L + "locationUsed")?.Attribute("id");

    private static string? Uri(XElement mapping) => mapping.Element(L + "uri")?.Value.Trim();

    [Theory]
    [InlineData("kamailio-5.6.3_lost-findService_civic.xml", "SDru0mV3MYWaJmIN")]
    [InlineData("kamailio-5.6.3_lost-findService_point.xml", "9Y5tAQUUl4zmfSxt")]
    [InlineData("kamailio-5.6.3_lost-findService_circle.xml", "ejLqTHF4oCxrlABu")]
    public async Task FindService_KamailioCapture_MapsToAustinPsap(string vector, string locationId)
    {
        var document = await FindServiceAsync(Vector(vector));
        var mapping = SingleMapping(document);
        Assert.Equal(AustinPsap, Uri(mapping));
        Assert.Equal("urn:service:sos", mapping.Element(L + "service")?.Value.Trim());
        Assert.Equal("911", mapping.Element(L + "serviceNumber")?.Value.Trim());
        Assert.Equal(Source, (string?)mapping.Attribute("source"));
        Assert.Equal(locationId, LocationUsed(document));
        Assert.Null(document.Root!.Element(L + "warnings"));
    }

    [Fact]
    public async Task FindService_TestSosService_MapsToTestService()
    {
        var document = await FindServiceAsync(Point(30.2672, -97.7431, "urn:service:test.sos", "t1"));
        var mapping = SingleMapping(document);
        Assert.Equal("sip:933@test-service.invalid", Uri(mapping));
        Assert.Equal("urn:service:test.sos", mapping.Element(L + "service")?.Value.Trim());
        Assert.Equal("t1", LocationUsed(document));
    }

    [Fact]
    public async Task FindService_SosSubService_MapsToAustinPsap()
    {
        var document = await FindServiceAsync(Point(30.2672, -97.7431, "urn:service:sos.police", "p1"));
        var mapping = SingleMapping(document);
        Assert.Equal(AustinPsap, Uri(mapping));
        Assert.Equal("urn:service:sos.police", mapping.Element(L + "service")?.Value.Trim());
    }

    [Fact]
    public async Task FindService_PointInRoundRock_MapsToWilliamsonPsap()
    {
        var document = await FindServiceAsync(Point(30.5083, -97.6789, id: "rr"));
        var mapping = SingleMapping(document);
        Assert.NotEqual(AustinPsap, Uri(mapping));
        Assert.Contains("williamson", Uri(mapping), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("rr", LocationUsed(document));
    }

    [Fact]
    public async Task FindService_PointOutsideEveryBoundary_RelayCentreWithDefaultMappingWarning()
    {
        var document = await FindServiceAsync(Point(40.0, -100.0, id: "far"));
        var mapping = SingleMapping(document);
        Assert.Equal("sip:ecrc@relay.invalid", Uri(mapping));
        Assert.Equal("far", LocationUsed(document));
        var warnings = Assert.Single(document.Root!.Elements(L + "warnings"));
        Assert.Single(warnings.Elements(L + "defaultMappingReturned"));
        Assert.Equal(Source, (string?)warnings.Attribute("source"));
    }

    [Fact]
    public async Task FindService_UnknownServiceUrn_ServiceNotImplemented()
    {
        var document = await FindServiceAsync(Point(30.2672, -97.7431, "urn:service:counseling"));
        Assert.Equal(L + "errors", document.Root!.Name);
        Assert.Equal(Source, (string?)document.Root.Attribute("source"));
        Assert.Single(document.Root.Elements(L + "serviceNotImplemented"));
    }

    [Theory]
    [InlineData("<findService xmlns=\"urn:ietf:params:xml:ns:lost1\"><location id=\"x\"")]
    [InlineData("not xml at all")]
    [InlineData("")]
    public async Task FindService_MalformedXml_BadRequest(string body)
    {
        var document = await FindServiceAsync(body);
        Assert.Equal(L + "errors", document.Root!.Name);
        Assert.Single(document.Root.Elements(L + "badRequest"));
    }

    [Fact]
    public async Task FindService_OnlyUnknownLocationProfile_LocationProfileUnrecognized()
    {
        const string body = "<findService xmlns=\"urn:ietf:params:xml:ns:lost1\"><location id=\"u1\" profile=\"geodetic-3d\">" +
            "<gml:Point xmlns:gml=\"http://www.opengis.net/gml\" srsName=\"urn:ogc:def:crs:EPSG::4979\"><gml:pos>30.2672 -97.7431 150</gml:pos></gml:Point>" +
            "</location><service>urn:service:sos</service></findService>";
        var document = await FindServiceAsync(body);
        Assert.Equal(L + "errors", document.Root!.Name);
        Assert.Single(document.Root.Elements(L + "locationProfileUnrecognized"));
    }

    [Fact]
    public async Task FindService_PolygonAroundDowntownAustin_MapsToAustinPsap()
    {
        const string body = "<findService xmlns=\"urn:ietf:params:xml:ns:lost1\"><location id=\"poly\" profile=\"geodetic-2d\">" +
            "<gml:Polygon xmlns:gml=\"http://www.opengis.net/gml\" srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:exterior><gml:LinearRing>" +
            "<gml:pos>30.266 -97.744</gml:pos><gml:pos>30.268 -97.744</gml:pos><gml:pos>30.268 -97.742</gml:pos><gml:pos>30.266 -97.742</gml:pos><gml:pos>30.266 -97.744</gml:pos>" +
            "</gml:LinearRing></gml:exterior></gml:Polygon></location><service>urn:service:sos</service></findService>";
        var document = await FindServiceAsync(body);
        Assert.Equal(AustinPsap, Uri(SingleMapping(document)));
        Assert.Equal("poly", LocationUsed(document));
    }

    [Fact]
    public async Task FindService_ConcavePolygon_MappedByAPointInsideIt()
    {
        // A "C" opening east: its spine lies in the Austin boundary, its arms reach east past every boundary, and the
        // average of its vertices (30.35, -97.51) falls in the open mouth, outside the polygon and every boundary.
        const string body = "<findService xmlns=\"urn:ietf:params:xml:ns:lost1\"><location id=\"c\" profile=\"geodetic-2d\">" +
            "<gml:Polygon xmlns:gml=\"http://www.opengis.net/gml\" srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:exterior><gml:LinearRing>" +
            "<gml:pos>30.50 -97.65</gml:pos><gml:pos>30.50 -97.40</gml:pos><gml:pos>30.46 -97.40</gml:pos><gml:pos>30.46 -97.60</gml:pos>" +
            "<gml:pos>30.24 -97.60</gml:pos><gml:pos>30.24 -97.40</gml:pos><gml:pos>30.20 -97.40</gml:pos><gml:pos>30.20 -97.65</gml:pos>" +
            "<gml:pos>30.50 -97.65</gml:pos></gml:LinearRing></gml:exterior></gml:Polygon></location><service>urn:service:sos</service></findService>";
        var document = await FindServiceAsync(body);
        Assert.Equal(AustinPsap, Uri(SingleMapping(document)));
        Assert.Empty(document.Root!.Elements(L + "warnings"));
    }

    [Fact]
    public async Task FindService_PathAlreadyHoldsOurSource_Loop()
    {
        var document = await FindServiceAsync(Point(30.2672, -97.7431, path: $"<path><via source=\"resolver.example\"/><via source=\"{Source}\"/></path>"));
        Assert.Equal(L + "errors", document.Root!.Name);
        Assert.Single(document.Root.Elements(L + "loop"));
    }

    [Fact]
    public async Task FindService_ForeignPath_KeptAndOurViaAppended()
    {
        var document = await FindServiceAsync(Point(30.2672, -97.7431, path: "<path><via source=\"resolver.example\"/></path>"));
        SingleMapping(document);
        var sources = document.Root!.Element(L + "path")!.Elements(L + "via").Select(v => (string?)v.Attribute("source")).ToList();
        Assert.Contains("resolver.example", sources);
        Assert.Contains(Source, sources);
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("text/plain")]
    [InlineData("application/held+xml")]
    public async Task FindService_WrongContentType_Status415(string contentType)
    {
        var (response, _) = await PostAsync(Vector("kamailio-5.6.3_lost-findService_point.xml"), contentType);
        using (response) Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }
}
