using System.Buffers;
using System.Globalization;
using System.Text;
using System.Xml;
using LocationServer.Held.Pidf;
using LocationServer.Held.Xml;

namespace LocationServer.Held;

/// <summary>
/// Writes HELD responses (RFC 5985 §6, §7) as UTF-8 without a BOM, straight to the output. Both message kinds travel
/// in HTTP 200 (RFC 5985 §6.3, §8) as <see cref="MediaType"/>.
/// </summary>
public static class HeldResponseWriter
{
    /// <summary>Content type for HELD messages (RFC 5985 §11.3; charset per §5).</summary>
    public const string MediaType = "application/held+xml;charset=utf-8";

    /// <summary>Writes a HELD <c>error</c> (RFC 5985 §6.3-§6.4) with RFC 6155 §2.2 <c>requiredIdentifiers</c> when given.</summary>
    public static void WriteError(HeldError error, Stream output)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(output);
        using var writer = WireFormat.CreateWriter(output);
        writer.WriteStartDocument();
        writer.WriteStartElement("error", Ns.Held);
        writer.WriteAttributeString("code", error.Code.ToWire());
        if (!string.IsNullOrWhiteSpace(error.Message))
        {
            writer.WriteStartElement("message", Ns.Held);
            writer.WriteAttributeString("xml", "lang", Ns.Xml, "en");
            writer.WriteString(WireFormat.XmlSafe(error.Message));
            writer.WriteEndElement();
        }
        if (error.RequiredIdentifiers is { Count: > 0 } required) WriteRequiredIdentifiers(writer, required);
        if (error.ManualEntry is { } manualEntry) WriteManualEntry(writer, manualEntry);
        writer.WriteEndElement();
        writer.WriteEndDocument();
    }

    /// <inheritdoc cref="WriteError(HeldError, Stream)"/>
    public static void WriteError(HeldError error, IBufferWriter<byte> output)
    {
        using var stream = new BufferWriterStream(output);
        WriteError(error, stream);
    }

    /// <summary>
    /// Writes a <c>locationResponse</c>: <c>locationUriSet</c> first (schema order, RFC 5985 §7), then the PIDF-LO
    /// <c>presence</c>, the RFC 6155 <c>device</c> echo and RFC 7840 <c>routingInformation</c>.
    /// </summary>
    public static void WriteLocationResponse(LocationResponse response, Stream output)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(output);
        if (response.LocationUris.Count == 0 && response.Presence is null)
            throw new ArgumentException("A location response needs location URIs, a PIDF-LO, or both (RFC 5985 §5.2).", nameof(response));

        using var writer = WireFormat.CreateWriter(output);
        writer.WriteStartDocument();
        writer.WriteStartElement("locationResponse", Ns.Held);
        if (response.LocationUris.Count > 0)
        {
            writer.WriteStartElement("locationUriSet", Ns.Held);
            writer.WriteAttributeString("expires", WireFormat.FormatUtc(response.UrisExpire));
            foreach (var uri in response.LocationUris)
            {
                var trimmed = uri?.Trim();
                if (string.IsNullOrEmpty(trimmed)) throw new ArgumentException("Empty location URI.", nameof(response));
                writer.WriteElementString("locationURI", Ns.Held, WireFormat.XmlSafe(trimmed));
            }
            writer.WriteEndElement();
        }
        if (response.Presence is not null) PidfLoWriter.WritePresence(writer, response.Presence);
        if (response.EchoDevice is { Identifiers.Count: > 0 } device) WriteDevice(writer, device);
        if (response.Routing is not null) WriteRouting(writer, response.Routing);
        if (response.ManualEntry is { } manualEntry) WriteManualEntry(writer, manualEntry);
        writer.WriteEndElement();
        writer.WriteEndDocument();
    }

    /// <inheritdoc cref="WriteLocationResponse(LocationResponse, Stream)"/>
    public static void WriteLocationResponse(LocationResponse response, IBufferWriter<byte> output)
    {
        using var stream = new BufferWriterStream(output);
        WriteLocationResponse(response, stream);
    }

    private static void WriteRequiredIdentifiers(XmlWriter writer, IReadOnlyList<XmlQualifiedName> required)
    {
        writer.WriteStartElement("id", "requiredIdentifiers", Ns.HeldId);
        var prefixes = new Dictionary<string, string>(StringComparer.Ordinal) { [Ns.HeldId] = "id" };
        foreach (var name in required)
        {
            var ns = string.IsNullOrEmpty(name.Namespace) ? Ns.HeldId : name.Namespace;
            if (prefixes.ContainsKey(ns)) continue;
            var prefix = "ns" + prefixes.Count.ToString(CultureInfo.InvariantCulture);
            prefixes[ns] = prefix;
            writer.WriteAttributeString("xmlns", prefix, null, ns);
        }
        var text = new StringBuilder();
        foreach (var name in required)
        {
            var ns = string.IsNullOrEmpty(name.Namespace) ? Ns.HeldId : name.Namespace;
            if (text.Length > 0) text.Append(' ');
            text.Append(prefixes[ns]).Append(':').Append(XmlConvert.VerifyNCName(name.Name));
        }
        writer.WriteString(text.ToString());
        writer.WriteEndElement();
    }

    /// <summary>RFC 6155 §2.2 echo: identifiers in the order given, in their wire spellings.</summary>
    private static void WriteDevice(XmlWriter writer, DeviceIdentity device)
    {
        writer.WriteStartElement("device", Ns.HeldId);
        foreach (var id in device.Identifiers)
        {
            writer.WriteStartElement(DeviceIdentifier.ElementName(id.Kind), Ns.HeldId);
            if (id.Kind == DeviceIdentifierKind.Ip)
                writer.WriteAttributeString("v", id.Value.Contains(':', StringComparison.Ordinal) ? "6" : "4");
            writer.WriteString(WireFormat.XmlSafe(id.Value));
            writer.WriteEndElement();
        }
        writer.WriteEndElement();
    }

    /// <summary>
    /// Our extension (<c>urn:locationserver:held:ext</c>, docs/policies.md):
    /// <c>&lt;ext:manualEntry policy="notAllowed|optional|required" policyId="…"&gt;&lt;ext:disclaimer xml:lang="en"&gt;…&lt;/ext:disclaimer&gt;&lt;/ext:manualEntry&gt;</c>.
    /// </summary>
    private static void WriteManualEntry(XmlWriter writer, ManualEntryHint hint)
    {
        writer.WriteStartElement("ext", "manualEntry", Ns.Ext);
        writer.WriteAttributeString("policy", hint.Policy);
        if (!string.IsNullOrEmpty(hint.PolicyId)) writer.WriteAttributeString("policyId", WireFormat.XmlSafe(hint.PolicyId));
        if (!string.IsNullOrWhiteSpace(hint.Disclaimer))
        {
            writer.WriteStartElement("ext", "disclaimer", Ns.Ext);
            writer.WriteAttributeString("xml", "lang", Ns.Xml, "en");
            writer.WriteString(WireFormat.XmlSafe(hint.Disclaimer));
            writer.WriteEndElement();
        }
        writer.WriteEndElement();
    }

    /// <summary>RFC 7840 §5 (element layout per the compiling fix of the §6 schema).</summary>
    private static void WriteRouting(XmlWriter writer, RoutingInformation routing)
    {
        if (string.IsNullOrWhiteSpace(routing.ServiceUri)) throw new ArgumentException("serviceUri is required (RFC 7840 §5).", nameof(routing));
        if (routing.Destinations.Count == 0) throw new ArgumentException("At least one dest is required (RFC 7840 §5).", nameof(routing));
        writer.WriteStartElement("routingInformation", Ns.HeldRi);
        writer.WriteStartElement("service", Ns.HeldRi);
        writer.WriteAttributeString("serviceUri", routing.ServiceUri.Trim());
        if (routing.DefaultRoute) writer.WriteAttributeString("defaultRoute", "true");
        foreach (var dest in routing.Destinations)
            writer.WriteElementString("dest", Ns.HeldRi, WireFormat.XmlSafe(dest.Trim()));
        writer.WriteEndElement();
        writer.WriteEndElement();
    }
}
