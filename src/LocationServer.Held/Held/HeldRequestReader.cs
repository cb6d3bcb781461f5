using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Xml;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Held.Xml;

namespace LocationServer.Held;

/// <summary>
/// Reads HELD <c>locationRequest</c> messages (RFC 5985 §6-7) with the RFC 6155 device identity, RFC 7105 measurement
/// and RFC 7840 routing extensions, forward-only and hardened: no DTD, no entity expansion, size and depth caps, UTF-8
/// only. Every problem becomes a <see cref="HeldError"/> value; nothing throws for bad input.
/// </summary>
public static class HeldRequestReader
{
    public const string HeldNamespace = "urn:ietf:params:xml:ns:geopriv:held";
    public const string IdNamespace = DeviceIdentity.Namespace;
    public const string MeasurementNamespace = "urn:ietf:params:xml:ns:geopriv:lm";
    public const string LldpNamespace = "urn:ietf:params:xml:ns:geopriv:lm:lldp";
    public const string WifiNamespace = "urn:ietf:params:xml:ns:geopriv:lm:wifi";
    public const string DhcpNamespace = "urn:ietf:params:xml:ns:geopriv:lm:dhcp";
    public const string RoutingNamespace = "urn:ietf:params:xml:ns:geopriv:held:ri";
    public const string CivicNamespace = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr";
    /// <summary>This server's extension namespace (gateway MAC, user-provided nomadic address).</summary>
    public const string ExtensionNamespace = "urn:locationserver:held:ext";
    private const int MaxUnknown = 32;

    /// <summary>Parses a request body of at most <paramref name="maxBytes"/> bytes.</summary>
    public static HeldParseResult Parse(ReadOnlySpan<byte> body, int maxBytes = 64 * 1024) => Parse(body.ToArray(), maxBytes);

    /// <summary>Parses a request body held in an array.</summary>
    public static HeldParseResult Parse(byte[] body, int maxBytes = 64 * 1024)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.Length == 0) return Xml("The request body is empty.");
        if (body.Length > maxBytes) return Xml($"The request is larger than {maxBytes} bytes.");
        if (body.Length >= 2 && ((body[0] == 0xFE && body[1] == 0xFF) || (body[0] == 0xFF && body[1] == 0xFE)) || (body.Length >= 2 && (body[0] == 0 || body[1] == 0)))
            return Xml("HELD messages must be UTF-8 (RFC 5985 §5).");
        using var stream = new MemoryStream(body, writable: false);
        return Parse(stream, maxBytes);
    }

    /// <summary>Parses a request from a stream (read to at most <paramref name="maxBytes"/> characters).</summary>
    public static HeldParseResult Parse(Stream body, int maxBytes = 64 * 1024)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            using var reader = XmlReader.Create(body, XmlFormat.ReaderSettings(maxBytes));
            return ReadDocument(reader);
        }
        catch (XmlException ex)
        {
            return Xml("The request is not well-formed XML: " + ex.Message);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return Xml("The request is not valid UTF-8 (RFC 5985 §5).");
        }
        catch (ArgumentException ex)
        {
            return Xml("The request could not be read: " + ex.Message);
        }
    }

    private static HeldParseResult ReadDocument(XmlReader reader)
    {
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.XmlDeclaration)
            {
                var encoding = reader.GetAttribute("encoding");
                if (encoding is not null && !encoding.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !encoding.Equals("utf8", StringComparison.OrdinalIgnoreCase))
                    return Xml($"HELD messages must be UTF-8 (RFC 5985 §5), not {encoding}.");
                continue;
            }
            if (reader.NodeType != XmlNodeType.Element) continue;
            if (reader.LocalName != "locationRequest" || reader.NamespaceURI != HeldNamespace)
                return HeldParseResult.Failure(new HeldError(HeldErrorCode.UnsupportedMessage,
                    $"'{reader.LocalName}' in '{reader.NamespaceURI}' is not a message this server supports; send a HELD locationRequest."));
            return ReadLocationRequest(reader);
        }
        return Xml("The request has no document element.");
    }

    private static HeldParseResult ReadLocationRequest(XmlReader reader)
    {
        var state = new State();
        var responseTime = reader.GetAttribute("responseTime");
        if (responseTime is not null)
        {
            var parsed = ParseResponseTime(responseTime);
            if (parsed is null) return Request($"responseTime '{responseTime}' is not emergencyRouting, emergencyDispatch or a number of milliseconds.");
            state.ResponseTime = parsed.Value;
        }
        if (reader.IsEmptyElement) return Finish(reader, state);
        var depth = reader.Depth;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) break;
            if (reader.NodeType != XmlNodeType.Element) continue;
            if (reader.Depth > XmlFormat.MaxDepth) return Xml("The request is nested too deeply.");
            var error = ReadExtension(reader, state);
            if (error is not null) return HeldParseResult.Failure(error);
        }
        return Finish(reader, state);
    }

    private static HeldParseResult Finish(XmlReader reader, State state)
    {
        // Read to the end so trailing garbage is rejected as not well-formed.
        while (reader.Read())
        {
        }
        return HeldParseResult.Success(new HeldRequest
        {
            ResponseTime = state.ResponseTime,
            LocationTypes = state.Types,
            Exact = state.Exact,
            Device = state.Device,
            Lldp = state.Lldp,
            ServingBssid = state.ServingBssid,
            NeighbourBssids = state.Neighbours,
            MeasurementTime = state.MeasurementTime,
            MeasurementExpires = state.MeasurementExpires,
            GatewayMac = state.GatewayMac,
            CompanyUuid = state.CompanyUuid,
            RequestRoutingInformation = state.RoutingRequested,
            RoutingService = state.RoutingService,
            UserProvidedLocation = state.UserLocation,
            UnknownElements = state.Unknown,
            HasMeasurements = state.HasMeasurements,
        });
    }

    /// <summary>Reads one child of locationRequest (positioned on its start tag; leaves the reader on its end).</summary>
    private static HeldError? ReadExtension(XmlReader reader, State state)
    {
        var ns = reader.NamespaceURI;
        var name = reader.LocalName;
        if (ns == HeldNamespace && name == "locationType") return ReadLocationType(reader, state);
        if (ns == IdNamespace && name == "device") return ReadDevice(reader, state);
        if (ns == MeasurementNamespace && name == "measurements") return ReadMeasurements(reader, state);
        if (ns == RoutingNamespace && name == "requestRoutingInformation")
        {
            state.RoutingRequested = true;
            state.RoutingService = reader.GetAttribute("service");
            return SkipElement(reader);
        }
        if (name == "gatewayMac")
        {
            var text = ReadText(reader);
            if (!MacAddress.TryParse(text, out var mac)) return new HeldError(HeldErrorCode.RequestError, $"gatewayMac '{text}' is not a MAC address.");
            state.GatewayMac = mac;
            return null;
        }
        if (name.Equals("companyUUID", StringComparison.OrdinalIgnoreCase) || name.Equals("companyId", StringComparison.OrdinalIgnoreCase))
        {
            state.CompanyUuid = ReadText(reader).Trim();
            return null;
        }
        if (ns == ExtensionNamespace && name == "userProvidedLocation") return ReadUserLocation(reader, state);
        state.AddUnknown(ns, name);
        return SkipElement(reader);
    }

    private static HeldError? ReadLocationType(XmlReader reader, State state)
    {
        var exact = reader.GetAttribute("exact");
        var exactValue = false;
        if (exact is not null)
        {
            switch (exact.Trim())
            {
                case "true" or "1": exactValue = true; break;
                case "false" or "0": exactValue = false; break;
                default: return new HeldError(HeldErrorCode.RequestError, $"exact '{exact}' is not a boolean.");
            }
        }
        var text = ReadText(reader);
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var types = new List<LocationType>(3);
        var any = false;
        foreach (var token in tokens)
        {
            switch (token)
            {
                case "any": any = true; break;
                case "civic": if (!types.Contains(LocationType.Civic)) types.Add(LocationType.Civic); break;
                case "geodetic": if (!types.Contains(LocationType.Geodetic)) types.Add(LocationType.Geodetic); break;
                case "locationURI": if (!types.Contains(LocationType.LocationUri)) types.Add(LocationType.LocationUri); break;
                default: return new HeldError(HeldErrorCode.RequestError, $"locationType '{token}' is not any, civic, geodetic or locationURI.");
            }
        }
        if (any && types.Count > 0) return new HeldError(HeldErrorCode.RequestError, "locationType 'any' cannot be combined with other types.");
        state.Types = types;
        // With 'any', exact is ignored (RFC 5985 §6.2.1).
        state.Exact = types.Count > 0 && exactValue;
        return null;
    }

    private static HeldError? ReadDevice(XmlReader reader, State state)
    {
        var identifiers = new List<DeviceIdentifier>(2);
        IPAddress? ip = null;
        MacAddress? mac = null;
        string? uri = null;
        if (!reader.IsEmptyElement)
        {
            var depth = reader.Depth;
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) break;
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (reader.Depth > XmlFormat.MaxDepth) return new HeldError(HeldErrorCode.XmlError, "The request is nested too deeply.");
                var name = reader.LocalName;
                if (reader.NamespaceURI != IdNamespace)
                {
                    state.AddUnknown(reader.NamespaceURI, name);
                    if (SkipElement(reader) is { } skipError) return skipError;
                    continue;
                }
                var version = reader.GetAttribute("v");
                var value = ReadText(reader).Trim();
                DeviceIdentifierKind kind;
                switch (name)
                {
                    case "ip":
                        kind = DeviceIdentifierKind.Ip;
                        if (!IPAddress.TryParse(value, out var address)) return Bad($"ip '{value}' is not an IP address.");
                        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
                        if (version is not null && version != (v6 ? "6" : "4")) return Bad($"ip v=\"{version}\" does not match the address '{value}'.");
                        ip = address;
                        break;
                    case "mac":
                        kind = DeviceIdentifierKind.Mac;
                        if (!MacAddress.TryParse(value, out var m)) return Bad($"mac '{value}' is not a MAC address.");
                        mac = m;
                        break;
                    case "udpport": kind = DeviceIdentifierKind.UdpPort; if (!ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _)) return Bad($"{name} '{value}' is not a port."); break;
                    case "tcpport": kind = DeviceIdentifierKind.TcpPort; if (!ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _)) return Bad($"{name} '{value}' is not a port."); break;
                    case "sctpport": kind = DeviceIdentifierKind.SctpPort; if (!ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _)) return Bad($"{name} '{value}' is not a port."); break;
                    case "dccpport": kind = DeviceIdentifierKind.DccpPort; if (!ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _)) return Bad($"{name} '{value}' is not a port."); break;
                    case "nai":
                        kind = DeviceIdentifierKind.Nai;
                        if (value.Length == 0 || value.Any(char.IsWhiteSpace)) return Bad($"nai '{value}' is not a network access identifier.");
                        break;
                    case "uri":
                        kind = DeviceIdentifierKind.Uri;
                        var cleaned = CleanUri(value);
                        if (cleaned is null) return Bad($"uri '{value}' is not a URI.");
                        value = cleaned;
                        uri = cleaned;
                        break;
                    case "fqdn":
                        kind = DeviceIdentifierKind.Fqdn;
                        if (Uri.CheckHostName(value) != UriHostNameType.Dns) return Bad($"fqdn '{value}' is not a host name.");
                        break;
                    case "duid":
                        kind = DeviceIdentifierKind.Duid;
                        if (value.Length == 0 || value.Length % 2 != 0 || !value.All(char.IsAsciiHexDigit)) return Bad($"duid '{value}' is not hexBinary.");
                        break;
                    case "msisdn": kind = DeviceIdentifierKind.Msisdn; if (!Digits(value, 6, 15)) return Bad($"msisdn '{value}' must be 6-15 digits."); break;
                    case "imsi": kind = DeviceIdentifierKind.Imsi; if (!Digits(value, 6, 15)) return Bad($"imsi '{value}' must be 6-15 digits."); break;
                    case "mdn": kind = DeviceIdentifierKind.Mdn; if (!Digits(value, 6, 15)) return Bad($"mdn '{value}' must be 6-15 digits."); break;
                    case "imei": kind = DeviceIdentifierKind.Imei; if (!Digits(value, 1, 15)) return Bad($"imei '{value}' must be at most 15 digits."); break;
                    case "min": kind = DeviceIdentifierKind.Min; if (!Digits(value, 10, 10)) return Bad($"min '{value}' must be 10 digits."); break;
                    default:
                        state.AddUnknown(IdNamespace, name);
                        continue;
                }
                identifiers.Add(new DeviceIdentifier(kind, value, kind == DeviceIdentifierKind.Ip ? version : null));
            }
        }
        if (identifiers.Count == 0) return Bad("The device element names no identifier this server understands.");
        state.Device = new DeviceIdentity(identifiers) { Ip = ip, Mac = mac, Uri = uri };
        return null;

        static HeldError Bad(string message) => new(HeldErrorCode.BadIdentifier, message);
    }

    /// <summary>
    /// Reduces a URI to its addr-spec: tolerates a display-name form (<c>"Alice" &lt;sip:…&gt;</c>, seen from Kamailio
    /// when P-Asserted-Identity carries a name) and a bare E.164 number (taken as tel:).
    /// </summary>
    private static string? CleanUri(string value)
    {
        var text = value.Trim();
        var lt = text.IndexOf('<', StringComparison.Ordinal);
        if (lt >= 0)
        {
            var gt = text.IndexOf('>', lt + 1);
            text = gt < 0 ? text[(lt + 1)..] : text[(lt + 1)..gt];
            text = text.Trim();
        }
        if (text.Length == 0) return null;
        if (text[0] == '+' && text.Skip(1).All(c => char.IsAsciiDigit(c) || c is '-' or '.' or ' ')) return "tel:" + text.Replace(" ", "", StringComparison.Ordinal);
        if (!Uri.TryCreate(text, UriKind.Absolute, out _) && !text.Contains(':', StringComparison.Ordinal)) return null;
        return text;
    }

    private static HeldError? ReadMeasurements(XmlReader reader, State state)
    {
        state.HasMeasurements = true;
        if (ParseTime(reader.GetAttribute("time")) is { } time) state.MeasurementTime = time;
        if (ParseTime(reader.GetAttribute("expires")) is { } expires) state.MeasurementExpires = expires;
        if (reader.IsEmptyElement) return null;
        var depth = reader.Depth;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) break;
            if (reader.NodeType != XmlNodeType.Element) continue;
            if (reader.Depth > XmlFormat.MaxDepth) return new HeldError(HeldErrorCode.XmlError, "The request is nested too deeply.");
            HeldError? error;
            switch (reader.LocalName)
            {
                case "lldp" when reader.NamespaceURI == LldpNamespace: error = ReadLldp(reader, state); break;
                case "wifi" when reader.NamespaceURI == WifiNamespace: error = ReadWifi(reader, state); break;
                default:
                    state.AddUnknown(reader.NamespaceURI, reader.LocalName);
                    error = SkipElement(reader);
                    break;
            }
            if (error is not null) return error;
        }
        return null;
    }

    private static HeldError? ReadLldp(XmlReader reader, State state)
    {
        LldpId? chassis = null, port = null;
        if (!reader.IsEmptyElement)
        {
            var depth = reader.Depth;
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) break;
                if (reader.NodeType != XmlNodeType.Element) continue;
                var name = reader.LocalName;
                if (name is not ("chassis" or "port"))
                {
                    if (SkipElement(reader) is { } skipError) return skipError;
                    continue;
                }
                var typeText = reader.GetAttribute("type");
                if (!byte.TryParse(typeText, NumberStyles.None, CultureInfo.InvariantCulture, out var subtype))
                    return new HeldError(HeldErrorCode.RequestError, $"LLDP {name} type '{typeText}' is not a subtype 0-255.");
                var hex = ReadText(reader);
                if (!LldpId.TryParseHex(subtype, hex, out var id))
                    return new HeldError(HeldErrorCode.RequestError, $"LLDP {name} '{hex.Trim()}' is not 1-255 octets of hex.");
                if (name == "chassis") chassis = id; else port = id;
            }
        }
        if (chassis is null || port is null) return new HeldError(HeldErrorCode.RequestError, "An LLDP measurement needs both chassis and port (RFC 7105 §5.1).");
        state.Lldp.Add(new LldpNeighbour(chassis, port));
        return null;
    }

    private static HeldError? ReadWifi(XmlReader reader, State state)
    {
        if (reader.IsEmptyElement) return null;
        var depth = reader.Depth;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) break;
            if (reader.NodeType != XmlNodeType.Element) continue;
            var name = reader.LocalName;
            if (name is not ("ap" or "neighbourWap"))
            {
                if (SkipElement(reader) is { } skipError) return skipError;
                continue;
            }
            var serving = reader.GetAttribute("serving") is "true" or "1";
            MacAddress? bssid = null;
            if (!reader.IsEmptyElement)
            {
                var apDepth = reader.Depth;
                while (reader.Read())
                {
                    if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == apDepth) break;
                    if (reader.NodeType != XmlNodeType.Element) continue;
                    if (reader.Depth > XmlFormat.MaxDepth) return new HeldError(HeldErrorCode.XmlError, "The request is nested too deeply.");
                    if (reader.LocalName == "bssid")
                    {
                        var text = ReadText(reader);
                        if (!MacAddress.TryParse(text, out var mac)) return new HeldError(HeldErrorCode.RequestError, $"bssid '{text.Trim()}' is not a MAC address.");
                        bssid = mac;
                    }
                    else if (SkipElement(reader) is { } skipError)
                    {
                        return skipError;
                    }
                }
            }
            if (bssid is null) return new HeldError(HeldErrorCode.RequestError, "A Wi-Fi access point needs a bssid (RFC 7105 §5.3).");
            if (serving && state.ServingBssid is null) state.ServingBssid = bssid;
            else state.Neighbours.Add(bssid.Value);
        }
        return null;
    }

    private static HeldError? ReadUserLocation(XmlReader reader, State state)
    {
        if (reader.IsEmptyElement) return new HeldError(HeldErrorCode.RequestError, "userProvidedLocation needs a civicAddress.");
        var depth = reader.Depth;
        CivicAddress? civic = null;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) break;
            if (reader.NodeType != XmlNodeType.Element) continue;
            if (reader.LocalName == "civicAddress" && reader.NamespaceURI == CivicNamespace)
            {
                var (address, error) = CivicAddressReader.Read(reader);
                if (error is not null) return new HeldError(HeldErrorCode.RequestError, error);
                civic = address;
            }
            else if (SkipElement(reader) is { } skipError)
            {
                return skipError;
            }
        }
        if (civic is null) return new HeldError(HeldErrorCode.RequestError, "userProvidedLocation needs a civicAddress (RFC 5139).");
        state.UserLocation = civic;
        return null;
    }

    /// <summary>Concatenated text content of the current element; child elements are skipped. Leaves the reader on the end tag.</summary>
    internal static string ReadText(XmlReader reader)
    {
        if (reader.IsEmptyElement) return "";
        var depth = reader.Depth;
        string? single = null;
        System.Text.StringBuilder? many = null;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) break;
            if (reader.Depth > XmlFormat.MaxDepth) throw new XmlException("The request is nested too deeply.");
            if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace)
            {
                if (single is null) single = reader.Value;
                else (many ??= new System.Text.StringBuilder(single)).Append(reader.Value);
            }
        }
        return many?.ToString() ?? single ?? "";
    }

    /// <summary>Skips the current element and its content, enforcing the depth cap.</summary>
    internal static HeldError? SkipElement(XmlReader reader)
    {
        if (reader.IsEmptyElement) return null;
        var depth = reader.Depth;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) return null;
            if (reader.Depth > XmlFormat.MaxDepth) return new HeldError(HeldErrorCode.XmlError, "The request is nested too deeply.");
        }
        return null;
    }

    private static ResponseTime? ParseResponseTime(string text) => text.Trim() switch
    {
        "emergencyRouting" => new ResponseTime(ResponseTimeKind.EmergencyRouting),
        "emergencyDispatch" => new ResponseTime(ResponseTimeKind.EmergencyDispatch),
        var t when int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) => new ResponseTime(ResponseTimeKind.Milliseconds, ms),
        _ => null,
    };

    /// <summary>xs:dateTime; a time without zone is taken as UTC (RFC 7105 examples omit it).</summary>
    private static DateTimeOffset? ParseTime(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value) ? value : null;

    private static bool Digits(string value, int min, int max) => value.Length >= min && value.Length <= max && value.All(char.IsAsciiDigit);

    private static HeldParseResult Xml(string message) => HeldParseResult.Failure(new HeldError(HeldErrorCode.XmlError, message));

    private static HeldParseResult Request(string message) => HeldParseResult.Failure(new HeldError(HeldErrorCode.RequestError, message));

    private sealed class State
    {
        public ResponseTime ResponseTime;
        public List<LocationType> Types = [];
        public bool Exact;
        public DeviceIdentity? Device;
        public List<LldpNeighbour> Lldp = [];
        public MacAddress? ServingBssid;
        public List<MacAddress> Neighbours = [];
        public DateTimeOffset? MeasurementTime;
        public DateTimeOffset? MeasurementExpires;
        public MacAddress? GatewayMac;
        public string? CompanyUuid;
        public bool RoutingRequested;
        public string? RoutingService;
        public CivicAddress? UserLocation;
        public List<string> Unknown = [];
        public bool HasMeasurements;

        public void AddUnknown(string ns, string name)
        {
            if (Unknown.Count < MaxUnknown) Unknown.Add("{" + ns + "}" + name);
        }
    }
}
