using System.Buffers;
using System.Xml;
using LocationServer.Held.Xml;

namespace LocationServer.Held;

/// <summary>
/// Writes HELD <c>locationResponse</c> and <c>error</c> messages (RFC 5985 §6-7) straight into a buffer with
/// XmlWriter: UTF-8, no BOM, dates UTC with 'Z'.
/// </summary>
public static class HeldResponseWriter
{
    private const string Held = HeldRequestReader.HeldNamespace;

    public static void WriteError(IBufferWriter<byte> output, HeldError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        using var stream = new BufferWriterStream(output);
        using var w = XmlWriter.Create(stream, XmlFormat.WriterSettings);
        w.WriteStartDocument();
        w.WriteStartElement("error", Held);
        w.WriteAttributeString("code", HeldError.WireCode(error.Code));
        if (!string.IsNullOrEmpty(error.Message))
        {
            w.WriteStartElement("message", Held);
            w.WriteAttributeString("xml", "lang", null, "en");
            w.WriteString(error.Message);
            w.WriteEndElement();
        }
        if (error.RequiredIdentifiers is { Count: > 0 } required)
        {
            // RFC 6155 §2.2: the identifiers the LIS needs, as a list of QNames.
            w.WriteStartElement("id", "requiredIdentifiers", DeviceIdentity.Namespace);
            var first = true;
            foreach (var name in required)
            {
                if (!first) w.WriteString(" ");
                first = false;
                w.WriteQualifiedName(name.Name, name.Namespace);
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
        w.WriteEndDocument();
    }

    public static void WriteLocationResponse(IBufferWriter<byte> output, LocationResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        using var stream = new BufferWriterStream(output);
        using var w = XmlWriter.Create(stream, XmlFormat.WriterSettings);
        w.WriteStartDocument();
        w.WriteStartElement("locationResponse", Held);
        if (response.LocationUris.Count > 0)
        {
            w.WriteStartElement("locationUriSet", Held);
            w.WriteAttributeString("expires", XmlFormat.DateTime(response.UrisExpire));
            foreach (var uri in response.LocationUris) w.WriteElementString("locationURI", Held, uri.Trim());
            w.WriteEndElement();
        }
        if (response.Presence is { } presence) PidfLoWriter.WritePresence(w, presence);
        if (response.EchoDevice is { } device) WriteDeviceEcho(w, device);
        w.WriteEndElement();
        w.WriteEndDocument();
    }

    /// <summary>RFC 6155 §2.2: echo the identifiers used (ip, mac, uri), in schema-valid spelling.</summary>
    private static void WriteDeviceEcho(XmlWriter w, DeviceIdentity device)
    {
        if (device.Ip is null && device.Mac is null && device.Uri is null) return;
        w.WriteStartElement("device", DeviceIdentity.Namespace);
        if (device.Ip is { } ip)
        {
            w.WriteStartElement("ip", DeviceIdentity.Namespace);
            w.WriteAttributeString("v", ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "6" : "4");
            w.WriteString(ip.ToString());
            w.WriteEndElement();
        }
        if (device.Mac is { } mac) w.WriteElementString("mac", DeviceIdentity.Namespace, mac.ToDashString());
        if (device.Uri is { } uri) w.WriteElementString("uri", DeviceIdentity.Namespace, uri);
        w.WriteEndElement();
    }
}
