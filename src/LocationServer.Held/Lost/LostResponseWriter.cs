using System.Buffers;
using System.Text.RegularExpressions;
using System.Xml;
using LocationServer.Held.Xml;

namespace LocationServer.Held.Lost;

/// <summary>Writes LoST responses (RFC 5222 §8.4, §13) as UTF-8; every LoST answer travels in HTTP 200 (§14).</summary>
public static partial class LostResponseWriter
{
    /// <summary>Content type for LoST messages (RFC 5222 §17.2).</summary>
    public const string MediaType = "application/lost+xml;charset=utf-8";

    /// <summary>Writes a <c>findServiceResponse</c>: mappings, warnings, path (request vias plus ours), locationUsed.</summary>
    public static void WriteFindServiceResponse(FindServiceResponse response, Stream output)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(output);
        if (response.Mappings.Count == 0) throw new ArgumentException("findServiceResponse needs at least one mapping (RFC 5222 §8.4).", nameof(response));
        CheckSource(response.Source);
        using var writer = WireFormat.CreateWriter(output);
        writer.WriteStartDocument();
        writer.WriteStartElement("findServiceResponse", Ns.Lost);
        foreach (var mapping in response.Mappings) WriteMapping(writer, mapping);
        if (response.LocationValidation is { } validation) WriteLocationValidation(writer, validation);
        if (response.Warnings.Count > 0)
        {
            writer.WriteStartElement("warnings", Ns.Lost);
            writer.WriteAttributeString("source", response.Source);
            foreach (var warning in response.Warnings)
            {
                writer.WriteStartElement(warning.Kind == LostWarningKind.ServiceSubstitution ? "serviceSubstitution" : "defaultMappingReturned", Ns.Lost);
                WriteMessage(writer, warning.Message);
                writer.WriteEndElement();
            }
            writer.WriteEndElement();
        }
        writer.WriteStartElement("path", Ns.Lost);
        foreach (var via in response.RequestPath)
        {
            if (!IsAppUniqueString(via?.Trim())) continue;
            WriteVia(writer, via!.Trim());
        }
        WriteVia(writer, response.Source);
        writer.WriteEndElement();
        if (!string.IsNullOrWhiteSpace(response.LocationUsed))
        {
            writer.WriteStartElement("locationUsed", Ns.Lost);
            writer.WriteAttributeString("id", WireFormat.CollapseWhitespace(response.LocationUsed));
            writer.WriteEndElement();
        }
        writer.WriteEndElement();
        writer.WriteEndDocument();
    }

    /// <inheritdoc cref="WriteFindServiceResponse(FindServiceResponse, Stream)"/>
    public static void WriteFindServiceResponse(FindServiceResponse response, IBufferWriter<byte> output)
    {
        using var stream = new BufferWriterStream(output);
        WriteFindServiceResponse(response, stream);
    }

    /// <summary>
    /// Writes an <c>errors</c> message (RFC 5222 §13.1) with one error element; <paramref name="unsupportedProfiles"/>
    /// is used for <see cref="LostErrorKind.LocationProfileUnrecognized"/>.
    /// </summary>
    public static void WriteErrors(string source, LostErrorKind kind, string? message, Stream output, IReadOnlyList<string>? unsupportedProfiles = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        CheckSource(source);
        using var writer = WireFormat.CreateWriter(output);
        writer.WriteStartDocument();
        writer.WriteStartElement("errors", Ns.Lost);
        writer.WriteAttributeString("source", source);
        writer.WriteStartElement(ElementName(kind), Ns.Lost);
        if (kind == LostErrorKind.LocationProfileUnrecognized)
        {
            var profiles = (unsupportedProfiles ?? []).Where(WireFormat.IsNmToken).ToList();
            writer.WriteAttributeString("unsupportedProfiles", profiles.Count > 0 ? string.Join(' ', profiles) : "unknown");
        }
        WriteMessage(writer, message);
        writer.WriteEndElement();
        writer.WriteEndElement();
        writer.WriteEndDocument();
    }

    /// <inheritdoc cref="WriteErrors(string, LostErrorKind, string?, Stream, IReadOnlyList{string}?)"/>
    public static void WriteErrors(string source, LostErrorKind kind, string? message, IBufferWriter<byte> output, IReadOnlyList<string>? unsupportedProfiles = null)
    {
        using var stream = new BufferWriterStream(output);
        WriteErrors(source, kind, message, stream, unsupportedProfiles);
    }

    /// <summary>Writes the error a failed parse produced.</summary>
    public static void WriteErrors(string source, LostError error, Stream output)
    {
        ArgumentNullException.ThrowIfNull(error);
        WriteErrors(source, error.Kind, error.Message, output, error.UnsupportedProfiles);
    }

    /// <summary>The schema element name of an error kind (RFC 5222 §15).</summary>
    public static string ElementName(LostErrorKind kind) => kind switch
    {
        LostErrorKind.BadRequest => "badRequest",
        LostErrorKind.Forbidden => "forbidden",
        LostErrorKind.InternalError => "internalError",
        LostErrorKind.LocationInvalid => "locationInvalid",
        LostErrorKind.Loop => "loop",
        LostErrorKind.NotFound => "notFound",
        LostErrorKind.ServerError => "serverError",
        LostErrorKind.ServerTimeout => "serverTimeout",
        LostErrorKind.ServiceNotImplemented => "serviceNotImplemented",
        LostErrorKind.LocationProfileUnrecognized => "locationProfileUnrecognized",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static void WriteMapping(XmlWriter writer, LostMapping mapping)
    {
        CheckSource(mapping.Source);
        if (string.IsNullOrWhiteSpace(mapping.Service)) throw new ArgumentException("A mapping needs a service URN.", nameof(mapping));
        if (string.IsNullOrWhiteSpace(mapping.SourceId)) throw new ArgumentException("A mapping needs a sourceId.", nameof(mapping));
        writer.WriteStartElement("mapping", Ns.Lost);
        writer.WriteAttributeString("expires", mapping.Expires is { } e ? WireFormat.FormatUtc(e) : "NO-CACHE");
        writer.WriteAttributeString("lastUpdated", WireFormat.FormatUtc(mapping.LastUpdated));
        writer.WriteAttributeString("source", mapping.Source);
        writer.WriteAttributeString("sourceId", WireFormat.CollapseWhitespace(mapping.SourceId));
        // Kamailio 5.6.3 crashes on a mapping without displayName: always send one, with xml:lang.
        var names = mapping.DisplayNames.Count > 0 ? mapping.DisplayNames : [new LostDisplayName(mapping.Service.Trim())];
        foreach (var name in names)
        {
            writer.WriteStartElement("displayName", Ns.Lost);
            writer.WriteAttributeString("xml", "lang", Ns.Xml, string.IsNullOrWhiteSpace(name.Language) ? "en" : name.Language.Trim());
            writer.WriteString(WireFormat.XmlSafe(name.Text));
            writer.WriteEndElement();
        }
        writer.WriteElementString("service", Ns.Lost, mapping.Service.Trim());
        foreach (var uri in mapping.Uris) writer.WriteElementString("uri", Ns.Lost, WireFormat.XmlSafe(uri.Trim()));
        if (mapping.ServiceNumber is { } number)
        {
            if (!ServiceNumber().IsMatch(number)) throw new ArgumentException("serviceNumber must match [0-9*#]+.", nameof(mapping));
            writer.WriteElementString("serviceNumber", Ns.Lost, number);
        }
        writer.WriteEndElement();
    }

    /// <summary>RFC 5222 §8.4.2: each list is xs:QName values, so the civic namespace is declared here with a prefix.</summary>
    private static void WriteLocationValidation(XmlWriter writer, LostLocationValidation validation)
    {
        writer.WriteStartElement("locationValidation", Ns.Lost);
        writer.WriteAttributeString("xmlns", "ca", Ns.Xmlns, Ns.Civic);
        foreach (var (name, elements) in (ReadOnlySpan<(string, IReadOnlyList<string>)>)[("valid", validation.Valid), ("invalid", validation.Invalid), ("unchecked", validation.Unchecked)])
        {
            var names = elements.Where(WireFormat.IsNmToken).Select(e => "ca:" + e).ToList();
            if (names.Count == 0) continue;
            writer.WriteElementString(name, Ns.Lost, string.Join(' ', names));
        }
        writer.WriteEndElement();
    }

    private static void WriteVia(XmlWriter writer, string source)
    {
        writer.WriteStartElement("via", Ns.Lost);
        writer.WriteAttributeString("source", source);
        writer.WriteEndElement();
    }

    /// <summary>The schema pairs <c>message</c> with <c>xml:lang</c> (RFC 5222 §15, message pattern).</summary>
    private static void WriteMessage(XmlWriter writer, string? message)
    {
        if (string.IsNullOrWhiteSpace(message)) return;
        writer.WriteAttributeString("message", WireFormat.CollapseWhitespace(WireFormat.XmlSafe(message)));
        writer.WriteAttributeString("xml", "lang", Ns.Xml, "en");
    }

    private static void CheckSource(string? source)
    {
        if (!IsAppUniqueString(source))
            throw new ArgumentException($"LoST source \"{source}\" is not a dotted server name (RFC 5222 appUniqueString).", nameof(source));
    }

    private static bool IsAppUniqueString(string? value) => value is not null && AppUniqueString().IsMatch(value);

    [GeneratedRegex(@"^([a-zA-Z0-9\-]+\.)+[a-zA-Z0-9]+$")]
    private static partial Regex AppUniqueString();

    [GeneratedRegex("^[0-9*#]+$")]
    private static partial Regex ServiceNumber();
}
