using System.Buffers;
using System.Xml;
using LocationServer.Core.Wiremap;
using LocationServer.Held.Xml;

namespace LocationServer.Held;

/// <summary>
/// Writes PIDF-LO (RFC 3863, RFC 4119, RFC 5491, RFC 5139). Location sits under <c>tuple/status/geopriv</c> as the
/// RFC 5985 examples have it. A civic address and a point of one place go in separate tuples (RFC 5491 §3 rule 2),
/// ordered as requested; each geopriv carries usage rules (retransmission not allowed unless stated, a retention
/// expiry), the method, and the RFC 7105 <c>lmsrc:source</c> label. Geometry uses GeoShape with the CRS in URN form
/// on the outermost element (RFC 5491 §5).
/// </summary>
public static class PidfLoWriter
{
    public const string PidfNamespace = "urn:ietf:params:xml:ns:pidf";
    public const string GeoprivNamespace = "urn:ietf:params:xml:ns:pidf:geopriv10";
    public const string BasicPolicyNamespace = "urn:ietf:params:xml:ns:pidf:geopriv10:basicPolicy";
    public const string CivicNamespace = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr";
    public const string GmlNamespace = "http://www.opengis.net/gml";
    public const string GeoShapeNamespace = "http://www.opengis.net/pidflo/1.0";
    public const string SourceNamespace = "urn:ietf:params:xml:ns:pidf:geopriv10:lmsrc";
    private const string Crs2D = "urn:ogc:def:crs:EPSG::4326";
    private const string Crs3D = "urn:ogc:def:crs:EPSG::4979";
    private const string Metres = "urn:ogc:def:uom:EPSG::9001";

    /// <summary>Writes a standalone <c>application/pidf+xml</c> document (RFC 6753 §3.2 GET).</summary>
    public static void WriteDocument(IBufferWriter<byte> output, PidfLo presence)
    {
        using var stream = new BufferWriterStream(output);
        using var w = XmlWriter.Create(stream, XmlFormat.WriterSettings);
        w.WriteStartDocument();
        WritePresence(w, presence);
        w.WriteEndDocument();
    }

    /// <summary>Renders a standalone document as a string (for embedding in other protocols).</summary>
    public static string Render(PidfLo presence)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        WriteDocument(buffer, presence);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the <c>presence</c> element into an open writer (inside a HELD locationResponse).</summary>
    public static void WritePresence(XmlWriter w, PidfLo presence)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(presence);
        w.WriteStartElement("presence", PidfNamespace);
        w.WriteAttributeString("xmlns", "gp", null, GeoprivNamespace);
        w.WriteAttributeString("xmlns", "gbp", null, BasicPolicyNamespace);
        w.WriteAttributeString("xmlns", "ca", null, CivicNamespace);
        w.WriteAttributeString("xmlns", "gml", null, GmlNamespace);
        w.WriteAttributeString("xmlns", "gs", null, GeoShapeNamespace);
        w.WriteAttributeString("xmlns", "lmsrc", null, SourceNamespace);
        w.WriteAttributeString("entity", presence.Entity);
        foreach (var location in presence.Locations)
        {
            var civicFirst = CivicFirst(location.LocationTypesOrder);
            var tupleBase = SafeId(location.TupleId);
            if (civicFirst)
            {
                if (location.Civic is not null) WriteTuple(w, location, tupleBase + "-civic", civic: true);
                if (location.Point is not null) WriteTuple(w, location, tupleBase + "-geo", civic: false);
            }
            else
            {
                if (location.Point is not null) WriteTuple(w, location, tupleBase + "-geo", civic: false);
                if (location.Civic is not null) WriteTuple(w, location, tupleBase + "-civic", civic: true);
            }
        }
        w.WriteEndElement();
    }

    private static void WriteTuple(XmlWriter w, PidfLocation location, string id, bool civic)
    {
        w.WriteStartElement("tuple", PidfNamespace);
        w.WriteAttributeString("id", id);
        w.WriteStartElement("status", PidfNamespace);
        w.WriteStartElement("geopriv", GeoprivNamespace);
        w.WriteStartElement("location-info", GeoprivNamespace);
        if (civic) WriteCivic(w, location.Civic!);
        else WriteGeometry(w, location.Point!.Value, location.UncertaintyRadiusMeters);
        w.WriteEndElement();
        w.WriteStartElement("usage-rules", GeoprivNamespace);
        w.WriteElementString("retransmission-allowed", BasicPolicyNamespace, location.RetransmissionAllowed ? "true" : "false");
        w.WriteElementString("retention-expiry", BasicPolicyNamespace, XmlFormat.DateTime(location.RetentionExpiry));
        w.WriteEndElement();
        w.WriteElementString("method", GeoprivNamespace, location.Method);
        if (!string.IsNullOrEmpty(location.Source)) w.WriteElementString("source", SourceNamespace, location.Source);
        w.WriteEndElement(); // geopriv
        w.WriteEndElement(); // status
        w.WriteElementString("timestamp", PidfNamespace, XmlFormat.DateTime(location.Timestamp));
        w.WriteEndElement(); // tuple
    }

    /// <summary>Writes an RFC 5139 civicAddress in schema order.</summary>
    public static void WriteCivic(XmlWriter w, CivicAddress civic)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(civic);
        w.WriteStartElement("civicAddress", CivicNamespace);
        foreach (var (name, value) in civic.Elements()) w.WriteElementString(name, CivicNamespace, value);
        w.WriteEndElement();
    }

    /// <summary>Writes a gml:Point, or a gs:Circle when an uncertainty radius is known.</summary>
    public static void WriteGeometry(XmlWriter w, GeoPoint point, double? radiusMeters)
    {
        ArgumentNullException.ThrowIfNull(w);
        var threeD = point.Altitude is not null;
        if (radiusMeters is { } radius && !threeD)
        {
            w.WriteStartElement("Circle", GeoShapeNamespace);
            w.WriteAttributeString("srsName", Crs2D);
            WritePos(w, point);
            w.WriteStartElement("radius", GeoShapeNamespace);
            w.WriteAttributeString("uom", Metres);
            w.WriteString(XmlFormat.Double(radius));
            w.WriteEndElement();
            w.WriteEndElement();
            return;
        }
        w.WriteStartElement("Point", GmlNamespace);
        w.WriteAttributeString("srsName", threeD ? Crs3D : Crs2D);
        WritePos(w, point);
        w.WriteEndElement();
    }

    private static void WritePos(XmlWriter w, GeoPoint point)
    {
        var pos = XmlFormat.Double(point.Latitude) + " " + XmlFormat.Double(point.Longitude);
        if (point.Altitude is { } altitude) pos += " " + XmlFormat.Double(altitude);
        w.WriteElementString("pos", GmlNamespace, pos);
    }

    private static bool CivicFirst(IReadOnlyList<string>? order)
    {
        if (order is null) return true;
        foreach (var type in order)
        {
            if (type.Equals("Civic", StringComparison.OrdinalIgnoreCase)) return true;
            if (type.Equals("Geodetic", StringComparison.OrdinalIgnoreCase)) return false;
        }
        return true;
    }

    /// <summary>tuple@id is an xs:ID: it must start with a letter or '_' and hold only name characters (digest §3.1).</summary>
    private static string SafeId(string id)
    {
        if (string.IsNullOrEmpty(id)) return "loc";
        var chars = id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        var safe = new string(chars);
        return char.IsAsciiLetter(safe[0]) || safe[0] == '_' ? safe : "_" + safe;
    }
}
