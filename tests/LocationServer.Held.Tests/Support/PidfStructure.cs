using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace LocationServer.Held.Tests.Support;

/// <summary>
/// Checks what the schemas cannot (digest gotcha 6): geopriv present, usage-rules with both rules, method, srsName on
/// the outer geometry only with a URN CRS, "Z" timestamps, valid tuple ids.
/// </summary>
internal static partial class PidfStructure
{
    private static readonly XNamespace Pidf = "urn:ietf:params:xml:ns:pidf";
    private static readonly XNamespace Gp = "urn:ietf:params:xml:ns:pidf:geopriv10";
    private static readonly XNamespace Gbp = "urn:ietf:params:xml:ns:pidf:geopriv10:basicPolicy";
    private static readonly XNamespace Gml = "http://www.opengis.net/gml";
    private static readonly XNamespace Gs = "http://www.opengis.net/pidflo/1.0";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
    public static partial Regex UtcZ();

    public static List<XElement> AssertConformant(XElement presence)
    {
        Assert.Equal(Pidf + "presence", presence.Name);
        Assert.False(string.IsNullOrWhiteSpace((string?)presence.Attribute("entity")));
        var tuples = presence.Elements(Pidf + "tuple").ToList();
        Assert.NotEmpty(tuples);
        var ids = new HashSet<string>();
        foreach (var tuple in tuples)
        {
            var id = (string)tuple.Attribute("id")!;
            XmlConvert.VerifyNCName(id);
            Assert.True(ids.Add(id), "duplicate tuple id " + id);
            var geopriv = tuple.Element(Pidf + "status")?.Element(Gp + "geopriv");
            Assert.NotNull(geopriv);
            var children = geopriv.Elements().Select(e => e.Name).ToList();
            Assert.Equal(Gp + "location-info", children[0]);
            Assert.Equal(Gp + "usage-rules", children[1]);
            Assert.Equal(Gp + "method", children[2]);
            var rules = geopriv.Element(Gp + "usage-rules")!;
            Assert.Contains((string)rules.Element(Gbp + "retransmission-allowed")!, new[] { "true", "false" });
            Assert.Matches(UtcZ(), (string)rules.Element(Gbp + "retention-expiry")!);
            Assert.Matches(UtcZ(), (string)tuple.Element(Pidf + "timestamp")!);
            var info = geopriv.Element(Gp + "location-info")!;
            Assert.Single(info.Elements());
            foreach (var shape in info.Elements().Where(e => e.Name.Namespace == Gml || e.Name.Namespace == Gs))
            {
                var srs = (string?)shape.Attribute("srsName");
                Assert.True(srs is "urn:ogc:def:crs:EPSG::4326" or "urn:ogc:def:crs:EPSG::4979", "srsName " + srs);
                Assert.DoesNotContain(shape.Descendants(), d => d.Attribute("srsName") is not null);
            }
        }
        return tuples;
    }
}
