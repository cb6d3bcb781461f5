using System.Text;
using System.Text.Json;
using LocationServer.Core.Wiremap;

namespace LocationServer.Data.Wiremap;

/// <summary>One problem in an imported wiremap document, with where it is.</summary>
/// <param name="Line">1-based line of the offending value (or of its object when the value is missing).</param>
/// <param name="Column">1-based column, in characters.</param>
/// <param name="Path">JSON-pointer-like path such as <c>/elements/12/value</c>; empty for syntax errors.</param>
/// <param name="Message">What is wrong.</param>
public sealed record WiremapImportError(int Line, int Column, string Path, string Message)
{
    /// <summary>"line 7, column 16: /elements/0/value: '00:11' is not a MAC address (BSSID)".</summary>
    public override string ToString() =>
        Path.Length == 0 ? $"line {Line}, column {Column}: {Message}" : $"line {Line}, column {Column}: {Path}: {Message}";
}

/// <summary>The outcome of reading a wiremap document: the wiremap when it is wholly valid, otherwise every error found.</summary>
public sealed record WiremapImportResult(TenantWiremap? Wiremap, IReadOnlyList<WiremapImportError> Errors)
{
    /// <summary>True when the document parsed and passed validation; only then is <see cref="Wiremap"/> set.</summary>
    public bool Succeeded => Wiremap is not null && Errors.Count == 0;
}

/// <summary>
/// The JSON wiremap format (docs/wiremap-format.md): one document per tenant,
/// <c>{ "tenant": {...}, "sites": [...], "locations": [...], "elements": [...], "dids": [...], "requesters": [...] }</c>.
/// Reading validates the whole document (syntax, shape, then <see cref="WiremapValidator"/>) and reports every
/// problem with its line and column; a document with any error yields no wiremap, so it is never half-applied.
/// </summary>
public static class WiremapJson
{
    /// <summary>Largest document <see cref="Read(Stream, int)"/> accepts unless told otherwise: 64 MiB.</summary>
    public const int MaxDocumentBytes = 64 * 1024 * 1024;

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 16,
    };

    private static readonly string[] ElementKindNames =
        ["bssid", "bssidPrefix", "chassisPort", "chassis", "deviceMac", "subnet", "gatewayMac", "publicIp"];

    /// <summary>The JSON name of an element kind ("bssid", "chassisPort", ...).</summary>
    public static string KindName(ElementKind kind) => ElementKindNames[(int)kind];

    /// <summary>Reads and validates one tenant's wiremap document of at most <paramref name="maxBytes"/>.</summary>
    public static WiremapImportResult Read(Stream stream, int maxBytes = MaxDocumentBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                return new WiremapImportResult(null, [new WiremapImportError(1, 1, "", $"document larger than {maxBytes} bytes")]);
            buffer.Write(chunk, 0, read);
        }
        return Read(buffer.ToArray());
    }

    /// <summary>Reads and validates one tenant's wiremap document from UTF-8 bytes.</summary>
    public static WiremapImportResult Read(ReadOnlySpan<byte> utf8)
    {
        var text = new SourceText(utf8);
        Node root;
        try
        {
            var reader = new Utf8JsonReader(text.Bytes, ReaderOptions);
            if (!reader.Read()) return Fail(text.Error(0, "", "the document is empty"));
            root = Node.Parse(ref reader, text.BomLength);
            if (reader.Read()) return Fail(text.Error((int)reader.TokenStartIndex + text.BomLength, "", "unexpected content after the document"));
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0);
            var bytesInLine = (int)(e.BytePositionInLine ?? 0);
            var (l, c) = text.FromLineAndByte(line, bytesInLine);
            return new WiremapImportResult(null, [new WiremapImportError(l, c, "", "invalid JSON: " + FirstSentence(e.Message))]);
        }
        catch (DuplicatePropertyException e)
        {
            return Fail(text.Error(e.Offset, "", $"property '{e.Name}' appears twice"));
        }
        catch (InvalidTextException e)
        {
            return Fail(text.Error(e.Offset, "", "the string is not valid UTF-8 text (invalid bytes, or an escaped lone surrogate such as \\ud800)"));
        }

        var mapper = new Mapper(text);
        var wiremap = mapper.Map(root);
        var errors = mapper.Errors;
        if (wiremap is not null && !mapper.ItemUnreadable)
        {
            foreach (var error in WiremapValidator.Validate(wiremap))
            {
                // A value that could not be read is already reported; do not also report it as missing.
                if (mapper.Reported.Any(p => error.Path == p || error.Path.StartsWith(p + "/", StringComparison.Ordinal))) continue;
                errors.Add(text.Error(mapper.OffsetOf(error.Path), error.Path, error.Message));
            }
        }
        if (errors.Count > 0)
            return new WiremapImportResult(null, [.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
        return new WiremapImportResult(wiremap, []);

        static WiremapImportResult Fail(WiremapImportError error) => new(null, [error]);
    }

    /// <summary>Writes <paramref name="wiremap"/> as an indented document that <see cref="Read(Stream, int)"/> reads back equal.</summary>
    public static void Write(Stream stream, TenantWiremap wiremap)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(wiremap);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        var t = wiremap.Tenant;
        w.WriteStartObject("tenant");
        w.WriteString("id", t.Id);
        w.WriteString("name", t.Name);
        if (t.CompanyUuid is { } uuid) w.WriteString("companyUuid", uuid.ToString("D"));
        w.WriteBoolean("didFallback", t.DidFallback);
        Optional(w, "callbackNumber", t.CallbackNumber);
        w.WriteEndObject();

        w.WriteStartArray("sites");
        foreach (var s in wiremap.Sites)
        {
            w.WriteStartObject();
            w.WriteString("id", s.Id);
            w.WriteString("name", s.Name);
            w.WriteStartObject("address");
            foreach (var (name, value) in s.Address.Elements()) w.WriteString(name, value);
            w.WriteEndObject();
            WritePoint(w, s.Point);
            WriteGeocoded(w, s.GeocodedVersion);
            Optional(w, "callbackNumber", s.CallbackNumber);
            Optional(w, "teamsCivicAddressId", s.TeamsCivicAddressId?.ToString());
            Optional(w, "teamsLocationId", s.TeamsLocationId?.ToString());
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("locations");
        foreach (var l in wiremap.Locations)
        {
            w.WriteStartObject();
            w.WriteString("id", l.Id);
            w.WriteString("siteId", l.SiteId);
            Optional(w, "floor", l.Floor);
            Optional(w, "unit", l.Unit);
            Optional(w, "room", l.Room);
            Optional(w, "text", l.Text);
            WritePoint(w, l.Point);
            WriteGeocoded(w, l.GeocodedVersion);
            if (l.Elins is { } elins)
            {
                w.WriteStartArray("elins");
                foreach (var e in elins) w.WriteStringValue(e);
                w.WriteEndArray();
            }
            Optional(w, "callbackNumber", l.CallbackNumber);
            Optional(w, "teamsLocationId", l.TeamsLocationId?.ToString());
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("elements");
        foreach (var e in wiremap.Elements)
        {
            w.WriteStartObject();
            w.WriteString("kind", KindName(e.Kind));
            w.WriteString("value", e.Value);
            Optional(w, "locationId", e.LocationId);
            Optional(w, "siteId", e.SiteId);
            if (e.OffPremises) w.WriteBoolean("offPremises", true);
            Optional(w, "description", e.Description);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("dids");
        foreach (var d in wiremap.Dids)
        {
            w.WriteStartObject();
            w.WriteString("number", d.Number);
            w.WriteString("locationId", d.LocationId);
            Optional(w, "callbackNumber", d.CallbackNumber);
            if (!d.HeldCapable) w.WriteBoolean("heldCapable", false);
            Optional(w, "user", d.User);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("requesters");
        foreach (var r in wiremap.Requesters)
        {
            w.WriteStartObject();
            w.WriteString("name", r.Name);
            Optional(w, "keySha256", r.KeySha256);
            if (r.SourceCidrs is { } cidrs)
            {
                w.WriteStartArray("sourceCidrs");
                foreach (var c in cidrs) w.WriteStringValue(c);
                w.WriteEndArray();
            }
            if (r.ReferenceOnly) w.WriteBoolean("referenceOnly", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        if (wiremap.Policies is { Count: > 0 } policies)
        {
            w.WriteStartArray("policies");
            foreach (var p in policies) WritePolicy(w, p);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>Writes one emergency policy object as the <c>policies</c> list holds it (docs/policies.md).</summary>
    public static void WritePolicy(Utf8JsonWriter w, EmergencyPolicy p)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(p);
        w.WriteStartObject();
        w.WriteString("id", p.Id);
        w.WriteString("name", p.Name);
        w.WriteString("scope", PolicyNames.Of(p.Scope));
        if (p.SiteIds is { } siteIds)
        {
            w.WriteStartArray("siteIds");
            foreach (var id in siteIds) w.WriteStringValue(id);
            w.WriteEndArray();
        }
        if (p.Networks is { } networks)
        {
            w.WriteStartArray("networks");
            foreach (var n in networks) w.WriteStringValue(n);
            w.WriteEndArray();
        }
        Optional(w, "preset", p.Preset);
        if (p.DialStrings is { } dials)
        {
            w.WriteStartArray("dialStrings");
            foreach (var d in dials)
            {
                w.WriteStartObject();
                w.WriteString("digits", d.Digits);
                w.WriteString("service", PolicyNames.Of(d.Service));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (p.Mode is { } mode) w.WriteString("mode", PolicyNames.Of(mode));
        Optional(w, "relayCenterUri", p.RelayCenterUri);
        Optional(w, "testServiceUri", p.TestServiceUri);
        Optional(w, "carrierRouteUri", p.CarrierRouteUri);
        if (p.ManualEntry is { } manual) w.WriteString("manualEntry", PolicyNames.Of(manual));
        Optional(w, "disclaimer", p.Disclaimer);
        if (p.CallbackWindowMinutes is { } minutes) w.WriteNumber("callbackWindowMinutes", minutes);
        if (p.Conference is { } conference)
        {
            w.WriteStartObject("conference");
            w.WriteString("uri", conference.Uri);
            w.WriteString("mode", PolicyNames.Of(conference.Mode));
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>One policy as a JSON object string (the storage form of a policy row).</summary>
    public static string WritePolicyToString(EmergencyPolicy policy)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            WritePolicy(w, policy);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads one policy object written by <see cref="WritePolicyToString"/>; null with the errors when it does not read.</summary>
    public static EmergencyPolicy? ReadPolicy(string json, out IReadOnlyList<WiremapImportError> errors)
    {
        ArgumentNullException.ThrowIfNull(json);
        var text = new SourceText(Encoding.UTF8.GetBytes(json));
        try
        {
            var reader = new Utf8JsonReader(text.Bytes, ReaderOptions);
            if (!reader.Read())
            {
                errors = [text.Error(0, "", "the document is empty")];
                return null;
            }
            var root = Node.Parse(ref reader, text.BomLength);
            var mapper = new Mapper(text);
            var policy = mapper.MapPolicy(root, "");
            errors = mapper.Errors;
            return errors.Count == 0 ? policy : null;
        }
        catch (Exception e) when (e is JsonException or DuplicatePropertyException or InvalidTextException)
        {
            errors = [new WiremapImportError(1, 1, "", "invalid JSON")];
            return null;
        }
    }

    /// <summary>The document as a string (for logs, tests and the export endpoint).</summary>
    public static string WriteToString(TenantWiremap wiremap)
    {
        using var buffer = new MemoryStream();
        Write(buffer, wiremap);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Optional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    /// <summary>A point the server geocoded from the address: <c>"geocoded": true</c> with the GIS data version.</summary>
    private static void WriteGeocoded(Utf8JsonWriter w, long? version)
    {
        if (version is not { } v) return;
        w.WriteBoolean("geocoded", true);
        w.WriteNumber("gisVersion", v);
    }

    private static void WritePoint(Utf8JsonWriter w, GeoPoint? point)
    {
        if (point is not { } p) return;
        w.WriteStartObject("point");
        w.WriteNumber("latitude", p.Latitude);
        w.WriteNumber("longitude", p.Longitude);
        if (p.Altitude is { } alt) w.WriteNumber("altitude", alt);
        w.WriteEndObject();
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends " LineNumber: n | BytePositionInLine: m."; we report those ourselves.
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd();
    }

    /// <summary>The document bytes plus a line table, to turn byte offsets into line and character column.</summary>
    private sealed class SourceText
    {
        private readonly byte[] _all;
        private readonly List<int> _lineStarts = [0];

        public SourceText(ReadOnlySpan<byte> utf8)
        {
            _all = utf8.ToArray();
            BomLength = _all.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
            for (var i = 0; i < _all.Length; i++)
                if (_all[i] == (byte)'\n') _lineStarts.Add(i + 1);
        }

        public int BomLength { get; }

        public ReadOnlySpan<byte> Bytes => _all.AsSpan(BomLength);

        public (int Line, int Column) At(int offset)
        {
            offset = Math.Clamp(offset, 0, _all.Length);
            var index = _lineStarts.BinarySearch(offset);
            if (index < 0) index = ~index - 1;
            return (index + 1, Characters(_lineStarts[index], offset) + 1);
        }

        public (int Line, int Column) FromLineAndByte(int zeroBasedLine, int bytesInLine)
        {
            var line = Math.Clamp(zeroBasedLine, 0, _lineStarts.Count - 1);
            var start = _lineStarts[line] + (line == 0 ? BomLength : 0);
            return (line + 1, Characters(start, Math.Min(_all.Length, start + bytesInLine)) + 1);
        }

        public WiremapImportError Error(int offset, string path, string message)
        {
            var (line, column) = At(offset);
            return new WiremapImportError(line, column, path, message);
        }

        private int Characters(int from, int to)
        {
            var count = 0;
            for (var i = from; i < to; i++)
                if ((_all[i] & 0xC0) != 0x80 && i >= BomLength) count++;
            return count;
        }
    }

    private sealed class DuplicatePropertyException(string name, int offset) : Exception(name)
    {
        public string Name { get; } = name;
        public int Offset { get; } = offset;
    }

    private sealed class InvalidTextException(int offset) : Exception("invalid text")
    {
        public int Offset { get; } = offset;
    }

    /// <summary>A parsed JSON value with the byte offset of its first token.</summary>
    private sealed class Node
    {
        public JsonValueKind Kind { get; private init; }
        public int Offset { get; private init; }
        public string? Text { get; private init; }
        public double Number { get; private init; }
        public List<(string Name, Node Value)>? Properties { get; private init; }
        public List<Node>? Items { get; private init; }

        public Node? this[string name] => Properties?.FirstOrDefault(p => p.Name == name).Value;

        /// <summary>A string token's text; bytes that are not UTF-8, or an escaped lone surrogate, fail at the token's offset.</summary>
        private static string ReadString(ref Utf8JsonReader reader, int offset)
        {
            try
            {
                return reader.GetString()!;
            }
            catch (InvalidOperationException)
            {
                throw new InvalidTextException(offset);
            }
        }

        public static Node Parse(ref Utf8JsonReader reader, int baseOffset)
        {
            var offset = (int)reader.TokenStartIndex + baseOffset;
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    {
                        var properties = new List<(string, Node)>();
                        var names = new HashSet<string>(StringComparer.Ordinal);
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                        {
                            var nameOffset = (int)reader.TokenStartIndex + baseOffset;
                            var name = ReadString(ref reader, nameOffset);
                            if (!names.Add(name)) throw new DuplicatePropertyException(name, nameOffset);
                            reader.Read();
                            properties.Add((name, Parse(ref reader, baseOffset)));
                        }
                        return new Node { Kind = JsonValueKind.Object, Offset = offset, Properties = properties };
                    }
                case JsonTokenType.StartArray:
                    {
                        var items = new List<Node>();
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) items.Add(Parse(ref reader, baseOffset));
                        return new Node { Kind = JsonValueKind.Array, Offset = offset, Items = items };
                    }
                case JsonTokenType.String:
                    return new Node { Kind = JsonValueKind.String, Offset = offset, Text = ReadString(ref reader, offset) };
                case JsonTokenType.Number:
                    return new Node
                    {
                        Kind = JsonValueKind.Number,
                        Offset = offset,
                        Number = reader.TryGetDouble(out var d) ? d : double.NaN,
                        Text = Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray()),
                    };
                case JsonTokenType.True:
                    return new Node { Kind = JsonValueKind.True, Offset = offset };
                case JsonTokenType.False:
                    return new Node { Kind = JsonValueKind.False, Offset = offset };
                default:
                    return new Node { Kind = JsonValueKind.Null, Offset = offset };
            }
        }
    }

    /// <summary>Maps the parsed tree onto the domain records, remembering where every path is.</summary>
    private sealed class Mapper(SourceText text)
    {
        private readonly Dictionary<string, int> _offsets = new(StringComparer.Ordinal) { [""] = 0 };

        public List<WiremapImportError> Errors { get; } = [];

        public List<string> Reported { get; } = [];

        /// <summary>
        /// True when a list item could not be read at all: the lists no longer line up with the document's
        /// indexes (and references to the lost item would look dangling), so validation waits for a readable file.
        /// </summary>
        public bool ItemUnreadable { get; private set; }

        public int OffsetOf(string path)
        {
            // The nearest enclosing value that exists in the document: a missing "/sites/0/id" points at /sites/0.
            while (true)
            {
                if (_offsets.TryGetValue(path, out var offset)) return offset;
                var slash = path.LastIndexOf('/');
                if (slash < 0) return 0;
                path = path[..slash];
            }
        }

        public TenantWiremap? Map(Node root)
        {
            Record("", root);
            if (root.Kind != JsonValueKind.Object)
            {
                Error("", root, "the document must be a JSON object with \"tenant\", \"sites\", \"locations\", \"elements\", \"dids\" and \"requesters\"");
                return null;
            }
            Known(root, "", "tenant", "sites", "locations", "elements", "dids", "requesters", "policies", "$schema");
            var tenantNode = root["tenant"];
            Tenant tenant;
            if (tenantNode is null)
            {
                Error("/tenant", root, "\"tenant\" is required");
                tenant = new Tenant("", "");
            }
            else tenant = MapTenant(tenantNode);
            var sites = List(root, "sites", MapSite);
            var locations = List(root, "locations", MapLocation);
            var elements = List(root, "elements", MapElement);
            var dids = List(root, "dids", MapDid);
            var requesters = List(root, "requesters", MapRequester);
            var policies = List(root, "policies", MapPolicy);
            return new TenantWiremap(tenant, sites, locations, elements, dids, requesters) { Policies = policies };
        }

        public EmergencyPolicy? MapPolicy(Node node, string path)
        {
            Record(path, node);
            if (!IsObject(node, path)) return null;
            Known(node, path, "id", "name", "scope", "siteIds", "networks", "preset", "dialStrings", "mode", "relayCenterUri", "testServiceUri",
                "carrierRouteUri", "manualEntry", "disclaimer", "callbackWindowMinutes", "conference");
            var scope = Enum<PolicyScope>(node, path, "scope") ?? PolicyScope.Tenant;
            List<DialString>? dials = null;
            if (node["dialStrings"] is { } dialNode && dialNode.Kind != JsonValueKind.Null)
            {
                var listPath = path + "/dialStrings";
                if (dialNode.Kind != JsonValueKind.Array) Error(listPath, dialNode, "expected an array of {\"digits\", \"service\"} objects");
                else
                {
                    dials = [];
                    for (var i = 0; i < dialNode.Items!.Count; i++)
                    {
                        var item = dialNode.Items[i];
                        var itemPath = $"{listPath}/{i}";
                        Record(itemPath, item);
                        if (!IsObject(item, itemPath)) continue;
                        Known(item, itemPath, "digits", "service");
                        var digits = String(item, itemPath, "digits");
                        if (digits is null && item["digits"] is null) Error(itemPath + "/digits", item, "\"digits\" is required");
                        var service = Enum<DialService>(item, itemPath, "service");
                        if (service is null && item["service"] is null) Error(itemPath + "/service", item, "\"service\" is required (emergency or test)");
                        dials.Add(new DialString(digits ?? "", service ?? DialService.Emergency));
                    }
                }
            }
            ConferenceHint? conference = null;
            if (node["conference"] is { } confNode && confNode.Kind != JsonValueKind.Null)
            {
                var confPath = path + "/conference";
                if (IsObject(confNode, confPath))
                {
                    Known(confNode, confPath, "uri", "mode");
                    var uri = String(confNode, confPath, "uri");
                    if (uri is null && confNode["uri"] is null) Error(confPath + "/uri", confNode, "\"uri\" is required");
                    conference = new ConferenceHint(uri ?? "", Enum<ConferenceMode>(confNode, confPath, "mode") ?? ConferenceMode.OneWay);
                }
            }
            int? minutes = null;
            if (node["callbackWindowMinutes"] is { } minutesNode && minutesNode.Kind != JsonValueKind.Null)
            {
                if (minutesNode.Kind == JsonValueKind.Number && int.TryParse(minutesNode.Text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var m)) minutes = m;
                else Error(path + "/callbackWindowMinutes", minutesNode, "expected a whole number of minutes");
            }
            return new EmergencyPolicy(String(node, path, "id") ?? "", String(node, path, "name") ?? "", scope)
            {
                SiteIds = Strings(node, path, "siteIds"),
                Networks = Strings(node, path, "networks"),
                Preset = String(node, path, "preset"),
                DialStrings = dials,
                Mode = Enum<PolicyMode>(node, path, "mode"),
                RelayCenterUri = String(node, path, "relayCenterUri"),
                TestServiceUri = String(node, path, "testServiceUri"),
                CarrierRouteUri = String(node, path, "carrierRouteUri"),
                ManualEntry = Enum<ManualEntryPolicy>(node, path, "manualEntry"),
                Disclaimer = String(node, path, "disclaimer"),
                CallbackWindowMinutes = minutes,
                Conference = conference,
            };
        }

        private T? Enum<T>(Node node, string path, string name)
            where T : struct, System.Enum
        {
            var text = String(node, path, name);
            if (text is null) return null;
            if (PolicyNames.TryParse<T>(text, out var value)) return value;
            Error(path + "/" + name, node[name]!, $"'{text}' is not one of {string.Join(", ", PolicyNames.NamesOf<T>())}");
            return null;
        }

        private Tenant MapTenant(Node node)
        {
            const string path = "/tenant";
            Record(path, node);
            if (!IsObject(node, path)) return new Tenant("", "");
            Known(node, path, "id", "name", "companyUuid", "didFallback", "callbackNumber");
            Guid? uuid = null;
            if (String(node, path, "companyUuid") is { } text)
            {
                if (Guid.TryParse(text, out var parsed)) uuid = parsed;
                else Error(path + "/companyUuid", node["companyUuid"]!, $"'{text}' is not a UUID");
            }
            return new Tenant(
                String(node, path, "id") ?? "",
                String(node, path, "name") ?? "",
                uuid,
                Bool(node, path, "didFallback") ?? false,
                String(node, path, "callbackNumber"));
        }

        private Site? MapSite(Node node, string path)
        {
            if (!IsObject(node, path)) return null;
            Known(node, path, "id", "name", "address", "point", "geocoded", "gisVersion", "callbackNumber", "teamsCivicAddressId", "teamsLocationId");
            var address = new CivicAddress();
            var addressPath = path + "/address";
            if (node["address"] is { } addressNode)
            {
                Record(addressPath, addressNode);
                if (IsObject(addressNode, addressPath))
                {
                    foreach (var (name, value) in addressNode.Properties!)
                    {
                        var elementPath = addressPath + "/" + name;
                        Record(elementPath, value);
                        if (!CivicAddress.ElementNames.Contains(name))
                        {
                            var hint = CivicAddress.ElementNames.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
                            Error(elementPath, value, hint is null ? $"'{name}' is not an RFC 5139 civic address element" : $"'{name}' is not an RFC 5139 element name; did you mean '{hint}'?");
                            continue;
                        }
                        var s = StringValue(value, elementPath);
                        if (s is not null) CivicAddress.TrySet(address, name, s, out address);
                    }
                }
            }
            return new Site(
                String(node, path, "id") ?? "",
                String(node, path, "name") ?? "",
                address,
                Point(node, path),
                String(node, path, "callbackNumber"))
            { GeocodedVersion = Geocoded(node, path), TeamsCivicAddressId = TeamsId(node, path, "teamsCivicAddressId"), TeamsLocationId = TeamsId(node, path, "teamsLocationId") };
        }

        /// <summary>A Microsoft Teams LIS id (a GUID) remembered on a site or location, or null.</summary>
        private Guid? TeamsId(Node node, string path, string name)
        {
            var text = String(node, path, name);
            if (text is null) return null;
            if (Guid.TryParse(text, out var id)) return id;
            Error(path + "/" + name, node[name]!, "expected a GUID such as 9905bca0-6fb0-11ec-84a4-25019013784a");
            return null;
        }

        private DispatchableLocation? MapLocation(Node node, string path)
        {
            if (!IsObject(node, path)) return null;
            Known(node, path, "id", "siteId", "floor", "unit", "room", "text", "point", "geocoded", "gisVersion", "elins", "callbackNumber", "teamsLocationId");
            return new DispatchableLocation(
                String(node, path, "id") ?? "",
                String(node, path, "siteId") ?? "",
                String(node, path, "floor"),
                String(node, path, "unit"),
                String(node, path, "room"),
                String(node, path, "text"),
                Point(node, path),
                Strings(node, path, "elins"),
                String(node, path, "callbackNumber"))
            { GeocodedVersion = Geocoded(node, path), TeamsLocationId = TeamsId(node, path, "teamsLocationId") };
        }

        /// <summary>
        /// The GIS version of a point marked <c>"geocoded": true</c> (0 when the version is not given), else null. The
        /// server decides what is geocoded: a save keeps the mark only on a point it placed itself.
        /// </summary>
        private long? Geocoded(Node node, string path)
        {
            var version = Number(node, path, "gisVersion", required: false);
            if (version is { } v && (v < 0 || v != Math.Floor(v) || v > long.MaxValue))
            {
                Error(path + "/gisVersion", node["gisVersion"]!, "expected a whole number of 0 or more");
                return null;
            }
            return Bool(node, path, "geocoded") == true ? (long)(version ?? 0) : null;
        }

        private NetworkElement? MapElement(Node node, string path)
        {
            if (!IsObject(node, path)) return null;
            Known(node, path, "kind", "value", "locationId", "siteId", "offPremises", "description");
            var kindText = String(node, path, "kind");
            ElementKind kind;
            if (kindText is null)
            {
                if (node["kind"] is null) Error(path + "/kind", node, "\"kind\" is required");
                return null;
            }
            var index = Array.FindIndex(ElementKindNames, n => string.Equals(n, kindText, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                Error(path + "/kind", node["kind"]!, $"'{kindText}' is not one of {string.Join(", ", ElementKindNames)}");
                return null;
            }
            kind = (ElementKind)index;
            return new NetworkElement(
                kind,
                String(node, path, "value") ?? "",
                String(node, path, "locationId"),
                String(node, path, "siteId"),
                Bool(node, path, "offPremises") ?? false,
                String(node, path, "description"));
        }

        private DidAssignment? MapDid(Node node, string path)
        {
            if (!IsObject(node, path)) return null;
            Known(node, path, "number", "locationId", "callbackNumber", "heldCapable", "user");
            return new DidAssignment(
                String(node, path, "number") ?? "",
                String(node, path, "locationId") ?? "",
                String(node, path, "callbackNumber"),
                Bool(node, path, "heldCapable") ?? true,
                String(node, path, "user"));
        }

        private Requester? MapRequester(Node node, string path)
        {
            if (!IsObject(node, path)) return null;
            foreach (var secret in new[] { "key", "apiKey", "password", "secret" })
                if (node[secret] is { } s)
                {
                    Record(path + "/" + secret, s);
                    Error(path + "/" + secret, s, "API keys are never imported; give keySha256 (hex SHA-256 of the key)");
                }
            Known(node, path, "name", "keySha256", "sourceCidrs", "referenceOnly", "key", "apiKey", "password", "secret");
            return new Requester(String(node, path, "name") ?? "", String(node, path, "keySha256"), Strings(node, path, "sourceCidrs"),
                Bool(node, path, "referenceOnly") ?? false);
        }

        private List<T> List<T>(Node root, string name, Func<Node, string, T?> map)
            where T : class
        {
            var result = new List<T>();
            var path = "/" + name;
            if (root[name] is not { } node) return result;
            Record(path, node);
            if (node.Kind == JsonValueKind.Null) return result;
            if (node.Kind != JsonValueKind.Array)
            {
                Error(path, node, "expected an array");
                return result;
            }
            for (var i = 0; i < node.Items!.Count; i++)
            {
                var itemPath = $"{path}/{i}";
                Record(itemPath, node.Items[i]);
                if (map(node.Items[i], itemPath) is { } item) result.Add(item);
                else ItemUnreadable = true;
            }
            return result;
        }

        private bool IsObject(Node node, string path)
        {
            if (node.Kind == JsonValueKind.Object) return true;
            Error(path, node, "expected an object");
            return false;
        }

        private void Known(Node node, string path, params string[] names)
        {
            foreach (var (name, value) in node.Properties!)
            {
                Record(path + "/" + name, value);
                if (!names.Contains(name)) Error(path + "/" + name, value, $"unknown property '{name}'");
            }
        }

        private string? String(Node node, string path, string name)
        {
            var value = node[name];
            return value is null ? null : StringValue(value, path + "/" + name);
        }

        private string? StringValue(Node value, string path)
        {
            if (value.Kind == JsonValueKind.Null) return null;
            if (value.Kind == JsonValueKind.String) return value.Text;
            Error(path, value, "expected a string");
            return null;
        }

        private bool? Bool(Node node, string path, string name)
        {
            var value = node[name];
            if (value is null || value.Kind == JsonValueKind.Null) return null;
            if (value.Kind is JsonValueKind.True or JsonValueKind.False) return value.Kind == JsonValueKind.True;
            Error(path + "/" + name, value, "expected true or false");
            return null;
        }

        private List<string>? Strings(Node node, string path, string name)
        {
            var value = node[name];
            var listPath = path + "/" + name;
            if (value is null || value.Kind == JsonValueKind.Null) return null;
            if (value.Kind != JsonValueKind.Array)
            {
                Error(listPath, value, "expected an array of strings");
                return null;
            }
            var result = new List<string>();
            for (var i = 0; i < value.Items!.Count; i++)
            {
                Record($"{listPath}/{i}", value.Items[i]);
                result.Add(StringValue(value.Items[i], $"{listPath}/{i}") ?? "");
            }
            return result;
        }

        private GeoPoint? Point(Node node, string path)
        {
            var value = node["point"];
            var pointPath = path + "/point";
            if (value is null || value.Kind == JsonValueKind.Null) return null;
            if (!IsObject(value, pointPath)) return null;
            Known(value, pointPath, "latitude", "longitude", "altitude");
            var lat = Number(value, pointPath, "latitude", required: true);
            var lon = Number(value, pointPath, "longitude", required: true);
            var alt = Number(value, pointPath, "altitude", required: false);
            return lat is { } la && lon is { } lo ? new GeoPoint(la, lo, alt) : null;
        }

        private double? Number(Node node, string path, string name, bool required)
        {
            var value = node[name];
            if (value is null || value.Kind == JsonValueKind.Null)
            {
                if (required) Error(path + "/" + name, node, $"\"{name}\" is required");
                return null;
            }
            if (value.Kind == JsonValueKind.Number && double.IsFinite(value.Number)) return value.Number;
            Error(path + "/" + name, value, "expected a number");
            return null;
        }

        private void Record(string path, Node node) => _offsets.TryAdd(path, node.Offset);

        private void Error(string path, Node at, string message)
        {
            Reported.Add(path);
            Errors.Add(text.Error(at.Offset, path, message));
        }
    }
}
