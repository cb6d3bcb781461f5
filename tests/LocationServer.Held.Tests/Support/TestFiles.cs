using System.Text;
using System.Xml.Linq;

namespace LocationServer.Held.Tests.Support;

internal static class TestFiles
{
    public static string SchemaDirectory => Path.Combine(AppContext.BaseDirectory, "Schemas");

    public static string VectorPath(string name) => Path.Combine(AppContext.BaseDirectory, "Vectors", name);

    public static byte[] Vector(string name) => File.ReadAllBytes(VectorPath(name));

    /// <summary>RFC 6155 / RFC 7105 figures are fragments; wrap them in a HELD locationRequest as a client would send them.</summary>
    public static byte[] FragmentInRequest(string name)
    {
        var fragment = XDocument.Load(VectorPath(name)).Root!;
        XNamespace held = "urn:ietf:params:xml:ns:geopriv:held";
        var request = new XElement(held + "locationRequest", fragment);
        return Encoding.UTF8.GetBytes(request.ToString(SaveOptions.DisableFormatting));
    }

    public static byte[] Utf8(string xml) => Encoding.UTF8.GetBytes(xml);

    public const string HeldNs = "urn:ietf:params:xml:ns:geopriv:held";

    public static byte[] Request(string inner, string attributes = "") =>
        Utf8($"<locationRequest xmlns=\"{HeldNs}\" {attributes}>{inner}</locationRequest>");
}
