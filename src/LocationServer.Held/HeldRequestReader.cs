using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Held.Xml;

namespace LocationServer.Held;

/// <summary>
/// Reads a HELD <c>locationRequest</c> (RFC 5985 §6, §7) and the extensions this LIS understands: RFC 6155 device
/// identity, RFC 7105 measurements (LLDP, 802.11, DHCP RAI, plus the draft-era <c>neighbourWap</c> form), RFC 7840
/// routing information, and our own soft-client extensions. Forward-only, DTDs prohibited, no resolver, capped size
/// and depth; every failure is returned as a <see cref="HeldError"/>.
/// </summary>
public static class HeldRequestReader
{
    /// <summary>Default cap on the request body (bytes).</summary>
    public const int DefaultMaxBytes = 64 * 1024;

    private const int MaxUnknownElements = 32;

    /// <summary>Parses a request body read synchronously from <paramref name="body"/> (at most <paramref name="maxBytes"/> + 1 bytes are read).</summary>
    public static HeldParseResult Parse(Stream body, int maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(body);
        byte[] buffer;
        int length;
        bool tooLarge;
        try
        {
            buffer = RequestBody.Read(body, maxBytes, out length, out tooLarge);
        }
        catch (IOException ex)
        {
            return HeldParseResult.Failure(new HeldError(HeldErrorCode.XmlError, "The request body could not be read: " + ex.Message));
        }
        try
        {
            return tooLarge ? TooLarge(maxBytes) : ParseBuffer(buffer, length, maxBytes);
        }
        finally
        {
            RequestBody.Return(buffer, length);
        }
    }

    /// <summary>Reads <paramref name="body"/> asynchronously (for request streams that forbid synchronous I/O), then parses.</summary>
    public static async ValueTask<HeldParseResult> ParseAsync(Stream body, int maxBytes = DefaultMaxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        byte[] buffer;
        int length;
        bool tooLarge;
        try
        {
            (buffer, length, tooLarge) = await RequestBody.ReadAsync(body, maxBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            return HeldParseResult.Failure(new HeldError(HeldErrorCode.XmlError, "The request body could not be read: " + ex.Message));
        }
        try
        {
            return tooLarge ? TooLarge(maxBytes) : ParseBuffer(buffer, length, maxBytes);
        }
        finally
        {
            RequestBody.Return(buffer, length);
        }
    }

    /// <summary>Parses a request body already in memory.</summary>
    public static HeldParseResult Parse(ReadOnlySpan<byte> body, int maxBytes = DefaultMaxBytes) =>
        body.Length > maxBytes ? TooLarge(maxBytes) : ParseBuffer(RequestBody.Copy(body), body.Length, maxBytes);

    /// <summary>Parses a request body already in memory, without copying it.</summary>
    public static HeldParseResult Parse(byte[] body, int maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body.Length > maxBytes ? TooLarge(maxBytes) : ParseBuffer(body, body.Length, maxBytes);
    }

    private static HeldParseResult TooLarge(int maxBytes) =>
        HeldParseResult.Failure(new HeldError(HeldErrorCode.XmlError, $"The request body exceeds {maxBytes} bytes."));

    private static HeldParseResult ParseBuffer(byte[] buffer, int length, int maxBytes)
    {
        var encodingProblem = RequestBody.CheckEncoding(buffer.AsSpan(0, length), out var start);
        if (encodingProblem is not null) return HeldParseResult.Failure(new HeldError(HeldErrorCode.XmlError, encodingProblem));

        // The byte reader costs a fraction of the text reader; where it could differ (an encoding named in the XML
        // declaration) it fails, and every failure is read again as text, so the outcome is the text reader's.
        if (RequestBody.CanReadAsBytes(buffer.AsSpan(start, length - start)) &&
            ParseXml(buffer, start, length, maxBytes, asBytes: true) is { IsSuccess: true } fast)
            return fast;
        return ParseXml(buffer, start, length, maxBytes, asBytes: false);
    }

    private static HeldParseResult ParseXml(byte[] buffer, int start, int length, int maxBytes, bool asBytes)
    {
        var state = new RequestState();
        try
        {
            using var xml = asBytes
                ? RequestBody.CreateByteReader(buffer, start, length, maxBytes)
                : RequestBody.CreateReader(buffer, start, length, maxBytes);
            var reader = new GuardedReader(xml);
            if (!reader.MoveToDocumentElement(out var declared))
                return HeldParseResult.Failure(new HeldError(HeldErrorCode.XmlError, "The request body holds no XML element."));
            if (declared is not null && !RequestBody.IsUtf8Label(declared))
                return HeldParseResult.Failure(new HeldError(HeldErrorCode.XmlError,
                    $"The XML declaration names encoding \"{declared}\"; HELD messages must be UTF-8 (RFC 5985 §5)."));
            if (xml.NamespaceURI != Ns.Held || xml.LocalName != "locationRequest")
            {
                var name = reader.ExpandedName();
                reader.Drain();
                return HeldParseResult.Failure(new HeldError(HeldErrorCode.UnsupportedMessage,
                    $"The document element {name} is not a HELD locationRequest."));
            }
            ReadLocationRequest(reader, state);
            reader.Drain();
        }
        catch (XmlException ex)
        {
            return HeldParseResult.Failure(new HeldError(HeldErrorCode.XmlError, "The request is not well-formed XML: " + ex.Message));
        }
        catch (DecoderFallbackException)
        {
            return HeldParseResult.Failure(new HeldError(HeldErrorCode.XmlError, "The request body is not valid UTF-8 (RFC 5985 §5)."));
        }

        return state.Error is not null ? HeldParseResult.Failure(state.Error) : HeldParseResult.Success(state.Build());
    }

    private static void ReadLocationRequest(GuardedReader reader, RequestState state)
    {
        var r = reader.R;
        var responseTime = r.GetAttribute("responseTime");
        if (responseTime is not null) state.ResponseTime = ParseResponseTime(responseTime, state);
        if (r.IsEmptyElement) return;
        var depth = r.Depth;
        while (reader.NextChild(depth))
        {
            switch (r.NamespaceURI)
            {
                case Ns.Held when r.LocalName == "locationType":
                    ReadLocationType(reader, state);
                    break;
                case Ns.HeldId when r.LocalName == "device":
                    ReadDevice(reader, state);
                    break;
                case Ns.Lm when r.LocalName == "measurements":
                    ReadMeasurements(reader, state);
                    break;
                case Ns.HeldRi when r.LocalName == "requestRoutingInformation":
                    state.RequestRouting = true;
                    var service = r.GetAttribute("service")?.Trim();
                    state.RoutingService = string.IsNullOrEmpty(service) ? null : service;
                    break;
                case Ns.Ext when r.LocalName == "userProvidedLocation":
                    ReadUserProvidedLocation(reader, state);
                    break;
                default:
                    ReadExtension(reader, state, record: true);
                    break;
            }
        }
    }

    private static ResponseTime ParseResponseTime(string raw, RequestState state)
    {
        var text = raw.Trim();
        switch (text)
        {
            case "emergencyRouting": return new ResponseTime(ResponseTimeKind.EmergencyRouting);
            case "emergencyDispatch": return new ResponseTime(ResponseTimeKind.EmergencyDispatch);
        }
        if (text.Length > 0 && text.All(char.IsAsciiDigit))
        {
            // A hint only (RFC 5985 §6.1): very large values are clamped rather than rejected.
            var ms = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;
            return new ResponseTime(ResponseTimeKind.Milliseconds, ms);
        }
        state.Fail(HeldErrorCode.RequestError,
            $"responseTime \"{Truncate(text)}\" is not emergencyRouting, emergencyDispatch or a non-negative integer (RFC 5985 §6.1).");
        return default;
    }

    private static void ReadLocationType(GuardedReader reader, RequestState state)
    {
        var r = reader.R;
        if (state.SawLocationType)
        {
            state.Fail(HeldErrorCode.RequestError, "locationType appears more than once (RFC 5985 §7).");
            return;
        }
        state.SawLocationType = true;
        var exact = false;
        var exactText = r.GetAttribute("exact");
        if (exactText is not null && !WireFormat.TryParseBoolean(exactText, out exact))
            state.Fail(HeldErrorCode.RequestError, $"locationType exact=\"{Truncate(exactText)}\" is not a boolean.");
        var text = reader.ReadText();
        var types = new List<LocationType>(3);
        var sawAny = false;
        var tokens = 0;
        foreach (var range in text.AsSpan().SplitAny(" \t\r\n"))
        {
            var token = text.AsSpan()[range];
            if (token.IsEmpty) continue;
            tokens++;
            LocationType type;
            if (token.SequenceEqual("any")) { sawAny = true; continue; }
            else if (token.SequenceEqual("civic")) type = LocationType.Civic;
            else if (token.SequenceEqual("geodetic")) type = LocationType.Geodetic;
            else if (token.SequenceEqual("locationURI")) type = LocationType.LocationUri;
            else
            {
                state.Fail(HeldErrorCode.RequestError, $"locationType \"{Truncate(token.ToString())}\" is not any, civic, geodetic or locationURI (RFC 5985 §6.2).");
                return;
            }
            if (!types.Contains(type)) types.Add(type);
        }
        if (tokens == 0)
        {
            state.Fail(HeldErrorCode.RequestError, "locationType is empty (RFC 5985 §6.2).");
            return;
        }
        if (sawAny && types.Count > 0)
        {
            state.Fail(HeldErrorCode.RequestError, "locationType \"any\" cannot be combined with other types (RFC 5985 §6.2).");
            return;
        }
        state.LocationTypes = types;
        state.Exact = !sawAny && exact;
    }

    private static void ReadDevice(GuardedReader reader, RequestState state)
    {
        var r = reader.R;
        if (r.IsEmptyElement) return;
        var depth = r.Depth;
        var identifiers = new List<DeviceIdentifier>(2);
        while (reader.NextChild(depth))
        {
            if (r.NamespaceURI != Ns.HeldId || !DeviceIdentifierParser.TryParseKind(r.LocalName, out var kind))
            {
                ReadExtension(reader, state, record: true);
                continue;
            }
            var version = kind == DeviceIdentifierKind.Ip ? r.GetAttribute("v") : null;
            var raw = reader.ReadText();
            if (!DeviceIdentifierParser.TryNormalise(kind, raw, version, out var value, out var reason))
            {
                state.Fail(HeldErrorCode.BadIdentifier,
                    $"device/{DeviceIdentifier.ElementName(kind)} \"{Truncate(raw.Trim())}\" {reason} (RFC 6155 §3).");
                continue;
            }
            if (value is not null) identifiers.Add(new DeviceIdentifier(kind, value));
        }
        if (identifiers.Count == 0) return;
        if (state.Device is null) state.Device = identifiers;
        else state.Device.AddRange(identifiers);
    }

    private static void ReadMeasurements(GuardedReader reader, RequestState state)
    {
        var r = reader.R;
        state.HasMeasurements = true;
        var time = r.GetAttribute("time");
        var expires = r.GetAttribute("expires");
        if (time is not null)
        {
            if (!WireFormat.TryParseDateTime(time, out var t))
                state.Fail(HeldErrorCode.RequestError, $"measurements time=\"{Truncate(time)}\" is not an xs:dateTime (RFC 7105 §4.1.1).");
            else state.MeasurementTime ??= t;
        }
        if (expires is not null)
        {
            if (!WireFormat.TryParseDateTime(expires, out var e))
                state.Fail(HeldErrorCode.RequestError, $"measurements expires=\"{Truncate(expires)}\" is not an xs:dateTime (RFC 7105 §4.1.2).");
            else state.MeasurementExpires ??= e;
        }
        if (r.IsEmptyElement) return;
        var depth = r.Depth;
        while (reader.NextChild(depth))
        {
            // Measurement types are matched on local name in any namespace: clients leave the container's (or HELD's)
            // default namespace in scope or omit the per-type namespace (RFC 7105 §5 names are unambiguous here).
            switch (r.LocalName)
            {
                case "lldp":
                    ReadLldp(reader, state);
                    break;
                case "wifi":
                    ReadWifi(reader, state);
                    break;
                case "dhcp-rai":
                    ReadDhcpRai(reader, state);
                    break;
                default:
                    ReadExtension(reader, state, record: true);
                    break;
            }
        }
    }

    private static void ReadLldp(GuardedReader reader, RequestState state)
    {
        var r = reader.R;
        if (r.IsEmptyElement)
        {
            state.Fail(HeldErrorCode.RequestError, "lldp measurement has no chassis and port (RFC 7105 §5.1).");
            return;
        }
        var depth = r.Depth;
        LldpId? chassis = null, port = null;
        while (reader.NextChild(depth))
        {
            var name = r.LocalName;
            if (name is not ("chassis" or "port")) continue;
            var typeText = r.GetAttribute("type");
            byte subtype = 0;
            if (typeText is not null && !byte.TryParse(typeText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out subtype))
            {
                state.Fail(HeldErrorCode.RequestError, $"lldp/{name} type=\"{Truncate(typeText)}\" is not 0-255 (RFC 7105 §5.1).");
                reader.ReadText();
                continue;
            }
            var hex = reader.ReadText();
            if (!LldpId.TryParseHex(subtype, hex, out var id))
            {
                state.Fail(HeldErrorCode.RequestError, $"lldp/{name} \"{Truncate(hex.Trim())}\" is not hexBinary of 1-255 octets (RFC 7105 §5.1).");
                continue;
            }
            if (name == "chassis") chassis ??= id;
            else port ??= id;
        }
        if (chassis is null || port is null)
        {
            state.Fail(HeldErrorCode.RequestError, "lldp measurement needs both chassis and port (RFC 7105 §5.1).");
            return;
        }
        state.Lldp.Add(new LldpNeighbour(chassis, port));
    }

    private static void ReadWifi(GuardedReader reader, RequestState state)
    {
        var r = reader.R;
        if (r.IsEmptyElement) return;
        var depth = r.Depth;
        while (reader.NextChild(depth))
        {
            switch (r.LocalName)
            {
                case "ap":
                    var servingText = r.GetAttribute("serving");
                    var serving = servingText is not null && WireFormat.TryParseBoolean(servingText, out var s) && s;
                    ReadAccessPoint(reader, state, serving);
                    break;
                case "neighbourWap" or "neighborWap":
                    ReadAccessPoint(reader, state, serving: false);
                    break;
            }
        }
    }

    private static void ReadAccessPoint(GuardedReader reader, RequestState state, bool serving)
    {
        var r = reader.R;
        if (r.IsEmptyElement) return;
        var depth = r.Depth;
        MacAddress? bssid = null;
        while (reader.NextChild(depth))
        {
            if (r.LocalName != "bssid") continue;
            var text = reader.ReadText();
            if (!MacAddress.TryParse(text, out var mac))
            {
                state.Fail(HeldErrorCode.RequestError, $"wifi bssid \"{Truncate(text.Trim())}\" is not a MAC address (RFC 7105 §5.3).");
                continue;
            }
            bssid ??= mac;
        }
        if (bssid is not { } b) return;
        if (serving && state.ServingBssid is null) state.ServingBssid = b;
        else if (!state.Neighbours.Contains(b)) state.Neighbours.Add(b);
    }

    private static void ReadDhcpRai(GuardedReader reader, RequestState state)
    {
        var r = reader.R;
        if (r.IsEmptyElement) return;
        var depth = r.Depth;
        IPAddress? giaddr = null;
        byte[]? circuit = null, remote = null;
        uint? enterprise = null;
        while (reader.NextChild(depth))
        {
            switch (r.LocalName)
            {
                case "giaddr":
                    var text = reader.ReadText().Trim();
                    if (!IPAddress.TryParse(text, out giaddr) || (!text.Contains(':', StringComparison.Ordinal) && text.Count(c => c == '.') != 3))
                    {
                        giaddr = null;
                        state.Fail(HeldErrorCode.RequestError, $"dhcp-rai giaddr \"{Truncate(text)}\" is not an IP address (RFC 7105 §5.2).");
                    }
                    break;
                case "circuit":
                    circuit = ReadHex(reader, state, "circuit");
                    break;
                case "remote":
                    var ent = r.GetAttribute("enterprise");
                    if (ent is not null && uint.TryParse(ent.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var e)) enterprise = e;
                    remote = ReadHex(reader, state, "remote");
                    break;
            }
        }
        if (giaddr is null)
        {
            state.Fail(HeldErrorCode.RequestError, "dhcp-rai needs a valid giaddr (RFC 7105 §5.2).");
            return;
        }
        state.DhcpRelay ??= new DhcpRelayInfo(giaddr, circuit, remote, enterprise);
    }

    private static byte[]? ReadHex(GuardedReader reader, RequestState state, string name)
    {
        var text = reader.ReadText().Trim();
        if (text.Length > 0 && text.Length % 2 == 0 && text.All(char.IsAsciiHexDigit)) return Convert.FromHexString(text);
        state.Fail(HeldErrorCode.RequestError, $"dhcp-rai {name} \"{Truncate(text)}\" is not hexBinary (RFC 7105 §5.2).");
        return null;
    }

    private static void ReadUserProvidedLocation(GuardedReader reader, RequestState state)
    {
        var r = reader.R;
        if (r.IsEmptyElement) return;
        var depth = r.Depth;
        while (reader.NextChild(depth))
        {
            if (r.NamespaceURI == Ns.Civic && r.LocalName == "civicAddress")
            {
                state.UserProvidedLocation ??= CivicAddressReader.Read(reader);
            }
            else
            {
                ReadExtension(reader, state, record: true);
            }
        }
    }

    /// <summary>
    /// An extension element this reader does not model: recorded for the audit trail, and searched (depth-capped)
    /// for the soft-client <c>gatewayMac</c> and Cisco <c>companyUUID</c>/<c>companyId</c> elements.
    /// </summary>
    private static void ReadExtension(GuardedReader reader, RequestState state, bool record)
    {
        var r = reader.R;
        if (TryReadKnownExtension(reader, state)) return;
        if (record) state.RecordUnknown(reader.ExpandedName());
        if (r.IsEmptyElement) return;
        var depth = r.Depth;
        while (reader.NextChild(depth)) ReadExtension(reader, state, record: false);
    }

    private static bool TryReadKnownExtension(GuardedReader reader, RequestState state)
    {
        var r = reader.R;
        var name = r.LocalName;
        if (name == "gatewayMac")
        {
            var text = reader.ReadText();
            if (MacAddress.TryParse(text, out var mac)) state.GatewayMac ??= mac;
            else state.Fail(HeldErrorCode.BadIdentifier, $"gatewayMac \"{Truncate(text.Trim())}\" is not a MAC address.");
            return true;
        }
        if (name.Equals("companyUUID", StringComparison.OrdinalIgnoreCase) || name.Equals("companyId", StringComparison.OrdinalIgnoreCase))
        {
            var text = WireFormat.CollapseWhitespace(reader.ReadText());
            if (text.Length is > 0 and <= 256) state.CompanyUuid ??= text;
            return true;
        }
        return false;
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private sealed class RequestState
    {
        private List<string>? _unknown;

        public HeldError? Error { get; private set; }
        public ResponseTime ResponseTime { get; set; }
        public bool SawLocationType { get; set; }
        public IReadOnlyList<LocationType> LocationTypes { get; set; } = [];
        public bool Exact { get; set; }
        public List<DeviceIdentifier>? Device { get; set; }
        public List<LldpNeighbour> Lldp { get; } = [];
        public MacAddress? ServingBssid { get; set; }
        public List<MacAddress> Neighbours { get; } = [];
        public DhcpRelayInfo? DhcpRelay { get; set; }
        public DateTimeOffset? MeasurementTime { get; set; }
        public DateTimeOffset? MeasurementExpires { get; set; }
        public MacAddress? GatewayMac { get; set; }
        public string? CompanyUuid { get; set; }
        public bool RequestRouting { get; set; }
        public string? RoutingService { get; set; }
        public CivicAddress? UserProvidedLocation { get; set; }
        public bool HasMeasurements { get; set; }

        /// <summary>Keeps the first semantic error; reading goes on so that an XML error later still wins.</summary>
        public void Fail(HeldErrorCode code, string message) => Error ??= new HeldError(code, message);

        public void RecordUnknown(string name)
        {
            _unknown ??= [];
            if (_unknown.Count < MaxUnknownElements) _unknown.Add(name);
        }

        public HeldRequest Build() => new()
        {
            ResponseTime = ResponseTime,
            LocationTypes = LocationTypes,
            Exact = Exact,
            Device = Device is null ? null : DeviceIdentity.From(Device),
            Lldp = Lldp,
            ServingBssid = ServingBssid,
            NeighbourBssids = Neighbours,
            DhcpRelay = DhcpRelay,
            MeasurementTime = MeasurementTime,
            MeasurementExpires = MeasurementExpires,
            GatewayMac = GatewayMac,
            CompanyUuid = CompanyUuid,
            RequestRoutingInformation = RequestRouting,
            RoutingService = RoutingService,
            UserProvidedLocation = UserProvidedLocation,
            UnknownElements = (IReadOnlyList<string>?)_unknown ?? [],
            HasMeasurements = HasMeasurements,
        };
    }
}

/// <summary>Reads an RFC 5139 <c>civicAddress</c> element into <see cref="CivicAddress"/>; unknown children are skipped.</summary>
internal static class CivicAddressReader
{
    public static CivicAddress Read(GuardedReader reader)
    {
        var r = reader.R;
        var address = new CivicAddress();
        if (r.IsEmptyElement) return address;
        var depth = r.Depth;
        while (reader.NextChild(depth))
        {
            if (r.NamespaceURI != Ns.Civic) continue;
            var name = r.LocalName;
            var value = WireFormat.CollapseWhitespace(reader.ReadText());
            if (value.Length == 0) continue;
            if (name == "country") value = value.ToUpperInvariant();
            CivicAddress.TrySet(address, name, value, out address);
        }
        return address;
    }
}
