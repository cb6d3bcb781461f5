namespace LocationServer.Held.Xml;

/// <summary>XML namespace names used on the wire (RFC 5985 §11.1, RFC 6155 §7.1, RFC 7105 §9, RFC 7840 §10.1, RFC 5222 §17).</summary>
internal static class Ns
{
    public const string Held = "urn:ietf:params:xml:ns:geopriv:held";
    public const string HeldId = "urn:ietf:params:xml:ns:geopriv:held:id";
    public const string HeldRi = "urn:ietf:params:xml:ns:geopriv:held:ri";
    public const string Lm = "urn:ietf:params:xml:ns:geopriv:lm";
    public const string LmLldp = "urn:ietf:params:xml:ns:geopriv:lm:lldp";
    public const string LmWifi = "urn:ietf:params:xml:ns:geopriv:lm:wifi";
    public const string LmDhcp = "urn:ietf:params:xml:ns:geopriv:lm:dhcp";
    public const string LmSource = "urn:ietf:params:xml:ns:pidf:geopriv10:lmsrc";
    public const string Ext = "urn:locationserver:held:ext";
    public const string Pidf = "urn:ietf:params:xml:ns:pidf";
    public const string Geopriv = "urn:ietf:params:xml:ns:pidf:geopriv10";
    public const string BasicPolicy = "urn:ietf:params:xml:ns:pidf:geopriv10:basicPolicy";
    public const string Civic = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr";
    public const string Gml = "http://www.opengis.net/gml";
    public const string GeoShape = "http://www.opengis.net/pidflo/1.0";
    public const string Lost = "urn:ietf:params:xml:ns:lost1";
    public const string Xml = "http://www.w3.org/XML/1998/namespace";
    public const string Xmlns = "http://www.w3.org/2000/xmlns/";

    public const string Crs2D = "urn:ogc:def:crs:EPSG::4326";
    public const string Crs3D = "urn:ogc:def:crs:EPSG::4979";
    public const string UomMetre = "urn:ogc:def:uom:EPSG::9001";
}
