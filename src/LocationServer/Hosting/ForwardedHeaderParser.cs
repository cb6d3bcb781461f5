using Microsoft.Extensions.Primitives;

namespace LocationServer.Hosting;

/// <summary>An RFC 7239 <c>Forwarded</c> header as the three <c>X-Forwarded-*</c> lists, element for element.</summary>
internal sealed record TranslatedForwarding(string For, string Proto, string? Host);

/// <summary>
/// Reads the RFC 7239 <c>Forwarded</c> header (§4: comma-separated elements of semicolon-separated
/// <c>token=value</c> pairs, values a token or a quoted-string) into the equivalent <c>X-Forwarded-For</c>,
/// <c>-Proto</c> and <c>-Host</c> lists, so ASP.NET Core's forwarded-headers middleware (which reads only those)
/// applies the same trust walk to it. A header that breaks the grammar is refused whole.
/// </summary>
internal static class ForwardedHeaderParser
{
    /// <summary>More elements than this (hops) refuse the header: no real chain of proxies is this long.</summary>
    public const int MaxElements = 64;

    /// <summary>
    /// Translates <paramref name="fields"/> (every <c>Forwarded</c> field of the request, in order). An element
    /// without <c>proto</c> (or <c>host</c>) keeps what the next hop to its right reported, or the request's own
    /// <paramref name="scheme"/> (<paramref name="host"/>), which is what the middleware does for a hop that names
    /// none. A <c>for</c> that is <c>unknown</c>, obfuscated (§6.3) or absent becomes <c>unknown</c>, where the walk stops.
    /// </summary>
    public static bool TryTranslate(StringValues fields, string scheme, string? host, out TranslatedForwarding translated)
    {
        translated = null!;
        var elements = new List<Dictionary<string, string>>();
        foreach (var field in fields)
        {
            if (field is null || !TryParseField(field, elements)) return false;
        }
        if (elements.Count == 0) return false;
        var fors = new string[elements.Count];
        var protos = new string[elements.Count];
        var hosts = new string?[elements.Count];
        var anyHost = false;
        string currentProto = scheme;
        var currentHost = host;
        for (var i = elements.Count - 1; i >= 0; i--)
        {
            var element = elements[i];
            fors[i] = element.TryGetValue("for", out var node) ? Node(node) : "unknown";
            if (element.TryGetValue("proto", out var proto)) currentProto = proto;
            protos[i] = currentProto;
            if (element.TryGetValue("host", out var named))
            {
                anyHost = true;
                currentHost = named;
            }
            hosts[i] = currentHost;
        }
        var hostList = anyHost && hosts.All(h => !string.IsNullOrEmpty(h)) ? string.Join(", ", hosts) : null;
        translated = new TranslatedForwarding(string.Join(", ", fors), string.Join(", ", protos), hostList);
        return true;
    }

    /// <summary>A node (§6) as an <c>X-Forwarded-For</c> entry: an IP address with optional port, else <c>unknown</c>.</summary>
    private static string Node(string node) =>
        // IPv6 nodes are bracketed ("[2001:db8::17]:4711"); IPv4 may carry a port ("192.0.2.43:47011").
        System.Net.IPEndPoint.TryParse(node, out _) ? node : "unknown";

    private static bool TryParseField(string field, List<Dictionary<string, string>> elements)
    {
        var element = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (true)
        {
            SkipSpace(field, ref i);
            if (i >= field.Length || field[i] is ',' or ';')
            {
                // An empty pair (or element) is allowed by the list syntax.
            }
            else
            {
                var nameStart = i;
                while (i < field.Length && IsTokenChar(field[i])) i++;
                if (i == nameStart || i >= field.Length || field[i] != '=') return false;
                var name = field[nameStart..i];
                i++;
                string value;
                if (i < field.Length && field[i] == '"')
                {
                    if (!TryReadQuoted(field, ref i, out value)) return false;
                }
                else
                {
                    var valueStart = i;
                    while (i < field.Length && IsTokenChar(field[i])) i++;
                    if (i == valueStart) return false;
                    value = field[valueStart..i];
                }
                // §4: a parameter must not occur more than once in an element.
                if (!element.TryAdd(name, value)) return false;
                SkipSpace(field, ref i);
            }
            if (i >= field.Length || field[i] == ',')
            {
                if (element.Count > 0)
                {
                    if (elements.Count >= MaxElements) return false;
                    elements.Add(element);
                    element = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                }
                if (i >= field.Length) return true;
                i++;
            }
            else if (field[i] == ';')
            {
                i++;
            }
            else
            {
                return false;
            }
        }
    }

    private static bool TryReadQuoted(string field, ref int i, out string value)
    {
        value = "";
        var builder = new System.Text.StringBuilder();
        i++;
        while (i < field.Length)
        {
            var c = field[i++];
            if (c == '"')
            {
                value = builder.ToString();
                return true;
            }
            if (c == '\\')
            {
                if (i >= field.Length) return false;
                c = field[i++];
            }
            if (c < 0x20 && c != '\t' || c == 0x7f) return false;
            builder.Append(c);
        }
        return false;
    }

    private static void SkipSpace(string field, ref int i)
    {
        while (i < field.Length && field[i] is ' ' or '\t') i++;
    }

    /// <summary>RFC 9110 §5.6.2 tchar.</summary>
    private static bool IsTokenChar(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
