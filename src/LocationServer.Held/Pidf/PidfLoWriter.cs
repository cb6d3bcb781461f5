using System.Buffers;
using System.Xml;
using LocationServer.Core.Wiremap;
using LocationServer.Held.Xml;

namespace LocationServer.Held.Pidf;

/// <summary>
/// Writes a PIDF-LO <c>presence</c> document (RFC 3863 §4, RFC 4119 §2.2, RFC 5139, RFC 5491), either inside a HELD
/// <c>locationResponse</c> (RFC 5985 §6.6) or standalone as <c>application/pidf+xml</c> (RFC 6753 §3.2).
/// </summary>
/// <remarks>
/// <para>
/// Layout: each shape goes in its own <c>tuple</c> with its own <c>gp:geopriv</c> under <c>status</c>, one
/// location chunk per <c>location-info</c>. A <see cref="PidfLocation"/> with both a civic address and a point
/// therefore yields two tuples (ids "{TupleId}-civic" and "{TupleId}-geo"). This follows RFC 5491 §3 rule 2 (one
/// place described several ways: one element per description) and rule 4 (avoid several chunks in a
/// <c>location-info</c>); the compound form of rules 6-7 is meant for a coarse area refined by a civic detail such as
/// a floor, not for a full address beside a point. Separate tuples also let the order follow the request: the civic
/// and geodetic tuples are written in <see cref="PidfLocation.LocationTypesOrder"/> (RFC 5985 §6.2), civic first when
/// no order is given. Readers applying RFC 5491 rule 8 take the first tuple, so the requested type wins.
/// </para>
/// <para>
/// Location sits under <c>tuple</c> as in the RFC 5985 §10 examples, not under <c>dm:device</c>, because
/// <c>dm:device</c> requires a <c>deviceID</c> and RFC 5985 §6.6 says the LIS does not put one in. Every
/// <c>geopriv</c> carries <c>usage-rules</c> with <c>retransmission-allowed</c> and <c>retention-expiry</c>
/// (RFC 4119 §2.2.2), then <c>method</c>, then <c>lmsrc:source</c> when given (RFC 7105 §4.4). All timestamps are
/// UTC with "Z". Geometry: <c>srsName</c> on the outer element only, EPSG::4326 (EPSG::4979 with altitude), positions
/// "lat lon [alt]" in round-trip invariant doubles (RFC 5491 §5).
/// </para>
/// </remarks>
public static class PidfLoWriter
{
    /// <summary>Media type of a standalone document (RFC 3863 §5.1).</summary>
    public const string MediaType = "application/pidf+xml";

    /// <summary>Writes a standalone PIDF-LO document (UTF-8, no BOM).</summary>
    public static void WriteDocument(PidfLo pidf, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var writer = WireFormat.CreateWriter(output);
        writer.WriteStartDocument();
        WritePresence(writer, pidf);
        writer.WriteEndDocument();
    }

    /// <summary>Writes a standalone PIDF-LO document (UTF-8, no BOM).</summary>
    public static void WriteDocument(PidfLo pidf, IBufferWriter<byte> output)
    {
        using var stream = new BufferWriterStream(output);
        WriteDocument(pidf, stream);
    }

    /// <summary>Writes the <c>presence</c> element into an open writer (for embedding in a HELD response).</summary>
    public static void WritePresence(XmlWriter writer, PidfLo pidf)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(pidf);
        if (string.IsNullOrWhiteSpace(pidf.Entity)) throw new ArgumentException("A presence entity is required.", nameof(pidf));
        if (pidf.Locations.Count == 0) throw new ArgumentException("A PIDF-LO needs at least one location.", nameof(pidf));

        writer.WriteStartElement("presence", Ns.Pidf);
        writer.WriteAttributeString("xmlns", "gp", null, Ns.Geopriv);
        writer.WriteAttributeString("xmlns", "gbp", null, Ns.BasicPolicy);
        if (pidf.Locations.Any(l => l.Civic is not null)) writer.WriteAttributeString("xmlns", "ca", null, Ns.Civic);
        if (pidf.Locations.Any(l => l.Point is not null))
        {
            writer.WriteAttributeString("xmlns", "gml", null, Ns.Gml);
            if (pidf.Locations.Any(l => l.Point is not null && l.UncertaintyRadiusMeters is not null))
                writer.WriteAttributeString("xmlns", "gs", null, Ns.GeoShape);
        }
        if (pidf.Locations.Any(l => !string.IsNullOrWhiteSpace(l.Source))) writer.WriteAttributeString("xmlns", "lmsrc", null, Ns.LmSource);
        writer.WriteAttributeString("entity", pidf.Entity.Trim());

        var usedIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var location in pidf.Locations)
        {
            ArgumentNullException.ThrowIfNull(location);
            if (location.Civic is null && location.Point is null)
                throw new ArgumentException($"Location {location.TupleId} has neither a civic address nor a point.", nameof(pidf));
            if (string.IsNullOrWhiteSpace(location.Method)) throw new ArgumentException("A method token is required (RFC 4119 §2.2.3).", nameof(pidf));
            var baseId = WireFormat.ToXmlId(location.TupleId, "t");
            var both = location.Civic is not null && location.Point is not null;
            foreach (var geodetic in ShapeOrder(location))
            {
                var id = both ? baseId + (geodetic ? "-geo" : "-civic") : baseId;
                var unique = id;
                for (var n = 2; !usedIds.Add(unique); n++) unique = id + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                WriteTuple(writer, location, unique, geodetic);
            }
        }
        writer.WriteEndElement();
    }

    /// <summary>True entries mean the geodetic shape; order per <see cref="PidfLocation.LocationTypesOrder"/>.</summary>
    private static IEnumerable<bool> ShapeOrder(PidfLocation location)
    {
        var geodeticFirst = false;
        if (location.LocationTypesOrder is { } order)
        {
            foreach (var type in order)
            {
                if (type == LocationType.Civic) break;
                if (type == LocationType.Geodetic) { geodeticFirst = true; break; }
            }
        }
        if (geodeticFirst && location.Point is not null) yield return true;
        if (location.Civic is not null) yield return false;
        if (!geodeticFirst && location.Point is not null) yield return true;
    }

    private static void WriteTuple(XmlWriter writer, PidfLocation location, string id, bool geodetic)
    {
        writer.WriteStartElement("tuple", Ns.Pidf);
        writer.WriteAttributeString("id", id);
        writer.WriteStartElement("status", Ns.Pidf);
        writer.WriteStartElement("geopriv", Ns.Geopriv);

        writer.WriteStartElement("location-info", Ns.Geopriv);
        if (geodetic) WriteGeometry(writer, location.Point!.Value, location.UncertaintyRadiusMeters);
        else WriteCivic(writer, location.Civic!);
        writer.WriteEndElement();

        writer.WriteStartElement("usage-rules", Ns.Geopriv);
        writer.WriteElementString("retransmission-allowed", Ns.BasicPolicy, location.RetransmissionAllowed ? "true" : "false");
        writer.WriteElementString("retention-expiry", Ns.BasicPolicy, WireFormat.FormatUtc(location.RetentionExpiry));
        writer.WriteEndElement();

        writer.WriteElementString("method", Ns.Geopriv, WireFormat.XmlSafe(location.Method.Trim()));
        if (!string.IsNullOrWhiteSpace(location.Source))
            writer.WriteElementString("source", Ns.LmSource, WireFormat.CollapseWhitespace(location.Source));

        writer.WriteEndElement(); // geopriv
        writer.WriteEndElement(); // status

        if (!string.IsNullOrWhiteSpace(location.ProvidedBy))
        {
            writer.WriteStartElement("note", Ns.Pidf);
            writer.WriteAttributeString("xml", "lang", Ns.Xml, "en");
            writer.WriteString(WireFormat.XmlSafe(location.ProvidedBy));
            writer.WriteEndElement();
        }
        writer.WriteElementString("timestamp", Ns.Pidf, WireFormat.FormatUtc(location.Timestamp));
        writer.WriteEndElement(); // tuple
    }

    /// <summary>Writes an RFC 5139 <c>ca:civicAddress</c> with elements in schema order.</summary>
    internal static void WriteCivic(XmlWriter writer, CivicAddress civic)
    {
        writer.WriteStartElement("civicAddress", Ns.Civic);
        foreach (var (name, value) in civic.Elements())
        {
            var text = WireFormat.CollapseWhitespace(WireFormat.XmlSafe(value));
            if (name == "country") text = text.ToUpperInvariant();
            writer.WriteElementString(name, Ns.Civic, text);
        }
        writer.WriteEndElement();
    }

    /// <summary>RFC 5491 §5.2: a Point, or a Circle (2-D) / Sphere (3-D) when an uncertainty radius is known.</summary>
    internal static void WriteGeometry(XmlWriter writer, GeoPoint point, double? radius)
    {
        if (!point.IsValid) throw new ArgumentException("The point is outside WGS 84 ranges.", nameof(point));
        if (radius is { } r && (!double.IsFinite(r) || r <= 0)) throw new ArgumentException("The uncertainty radius must be positive.", nameof(radius));
        var threeD = point.Altitude is not null;
        var srs = threeD ? Ns.Crs3D : Ns.Crs2D;
        if (radius is null) writer.WriteStartElement("Point", Ns.Gml);
        else writer.WriteStartElement(threeD ? "Sphere" : "Circle", Ns.GeoShape);
        writer.WriteAttributeString("srsName", srs);
        writer.WriteElementString("pos", Ns.Gml, FormatPos(point));
        if (radius is { } rr)
        {
            writer.WriteStartElement("radius", Ns.GeoShape);
            writer.WriteAttributeString("uom", Ns.UomMetre);
            writer.WriteString(WireFormat.FormatDouble(rr));
            writer.WriteEndElement();
        }
        writer.WriteEndElement();
    }

    internal static string FormatPos(GeoPoint point) => point.Altitude is { } alt
        ? $"{WireFormat.FormatDouble(point.Latitude)} {WireFormat.FormatDouble(point.Longitude)} {WireFormat.FormatDouble(alt)}"
        : $"{WireFormat.FormatDouble(point.Latitude)} {WireFormat.FormatDouble(point.Longitude)}";
}
