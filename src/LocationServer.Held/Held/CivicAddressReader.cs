using System.Xml;
using LocationServer.Core.Wiremap;
using LocationServer.Held.Xml;

namespace LocationServer.Held;

/// <summary>Reads an RFC 5139 <c>civicAddress</c> element into a <see cref="CivicAddress"/> (values whitespace-collapsed as xs:token).</summary>
internal static class CivicAddressReader
{
    /// <summary>Reads from the civicAddress start tag to its end tag.</summary>
    public static (CivicAddress? Address, string? Error) Read(XmlReader reader)
    {
        var address = new CivicAddress();
        if (reader.IsEmptyElement) return (address, null);
        var depth = reader.Depth;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) break;
            if (reader.NodeType != XmlNodeType.Element) continue;
            if (reader.Depth > XmlFormat.MaxDepth) return (null, "The civic address is nested too deeply.");
            var name = reader.LocalName;
            var known = reader.NamespaceURI == HeldRequestReader.CivicNamespace;
            var value = Collapse(HeldRequestReader.ReadText(reader));
            if (known && value.Length > 0) CivicAddress.TrySet(address, name, value, out address);
        }
        return (address, null);
    }

    private static string Collapse(string value) =>
        string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
