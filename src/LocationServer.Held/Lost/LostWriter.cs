using System.Buffers;
using System.Xml;
using LocationServer.Held.Xml;

namespace LocationServer.Held.Lost;

/// <summary>Writes LoST findServiceResponse and errors messages (RFC 5222 §8.4, §13), validating against the RFC's RelaxNG schema.</summary>
public static class LostWriter
{
    private const string Lost = LostReader.LostNamespace;

    public static void WriteFindServiceResponse(IBufferWriter<byte> output, FindServiceResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        using var stream = new BufferWriterStream(output);
        using var w = XmlWriter.Create(stream, XmlFormat.WriterSettings);
        w.WriteStartDocument();
        w.WriteStartElement("findServiceResponse", Lost);
        foreach (var mapping in response.Mappings)
        {
            w.WriteStartElement("mapping", Lost);
            w.WriteAttributeString("expires", XmlFormat.DateTime(mapping.Expires));
            w.WriteAttributeString("lastUpdated", XmlFormat.DateTime(mapping.LastUpdated));
            w.WriteAttributeString("source", mapping.Source);
            w.WriteAttributeString("sourceId", mapping.SourceId);
            w.WriteStartElement("displayName", Lost);
            w.WriteAttributeString("xml", "lang", null, mapping.DisplayNameLanguage);
            w.WriteString(mapping.DisplayName);
            w.WriteEndElement();
            w.WriteElementString("service", Lost, mapping.Service);
            foreach (var uri in mapping.Uris) w.WriteElementString("uri", Lost, uri);
            if (mapping.ServiceNumber is not null) w.WriteElementString("serviceNumber", Lost, mapping.ServiceNumber);
            w.WriteEndElement();
        }
        if (response.Warnings.Count > 0)
        {
            w.WriteStartElement("warnings", Lost);
            w.WriteAttributeString("source", response.Source);
            foreach (var (kind, message) in response.Warnings)
            {
                w.WriteStartElement(kind, Lost);
                w.WriteAttributeString("message", message);
                w.WriteAttributeString("xml", "lang", null, "en");
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        WritePath(w, response.Path, response.Source);
        if (response.LocationUsed is not null)
        {
            w.WriteStartElement("locationUsed", Lost);
            w.WriteAttributeString("id", response.LocationUsed);
            w.WriteEndElement();
        }
        w.WriteEndElement();
        w.WriteEndDocument();
    }

    public static void WriteErrors(IBufferWriter<byte> output, string source, LostError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        using var stream = new BufferWriterStream(output);
        using var w = XmlWriter.Create(stream, XmlFormat.WriterSettings);
        w.WriteStartDocument();
        w.WriteStartElement("errors", Lost);
        w.WriteAttributeString("source", source);
        w.WriteStartElement(LostError.ElementName(error.Kind), Lost);
        if (error.Kind == LostErrorKind.LocationProfileUnrecognized)
            w.WriteAttributeString("unsupportedProfiles", string.Join(' ', error.UnsupportedProfiles ?? []));
        w.WriteAttributeString("message", error.Message);
        w.WriteAttributeString("xml", "lang", null, "en");
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteEndDocument();
    }

    private static void WritePath(XmlWriter w, IReadOnlyList<string> path, string source)
    {
        w.WriteStartElement("path", Lost);
        foreach (var via in path)
        {
            w.WriteStartElement("via", Lost);
            w.WriteAttributeString("source", via);
            w.WriteEndElement();
        }
        w.WriteStartElement("via", Lost);
        w.WriteAttributeString("source", source);
        w.WriteEndElement();
        w.WriteEndElement();
    }
}
