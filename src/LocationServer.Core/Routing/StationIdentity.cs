using System.Net;
using LocationServer.Core.Identifiers;

namespace LocationServer.Core.Routing;

/// <summary>
/// The calling station's MAC and IP address as some call servers put them into an emergency INVITE, e.g.
/// <c>uu_StationMacAddress=0004f215c285;uu_StationIPAddress=192.168.1.4</c>.
/// </summary>
public readonly record struct StationIdentity(MacAddress? Mac, IPAddress? Address)
{
    /// <summary>True when neither part is known.</summary>
    public bool IsEmpty => Mac is null && Address is null;

    /// <summary>
    /// Parses the header value leniently: parameters in any order, separated by ';' or ',', keys compared
    /// case-insensitively with or without the "uu_" prefix, whitespace and quotes (around the whole value or a
    /// single value) ignored, unknown parameters skipped. Returns false when neither a MAC nor an IP parsed.
    /// </summary>
    public static bool TryParse(string? text, out StationIdentity identity)
    {
        identity = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        MacAddress? mac = null;
        IPAddress? address = null;
        foreach (var range in text.AsSpan().SplitAny(';', ','))
        {
            var part = Unquote(text.AsSpan()[range]);
            var equals = part.IndexOf('=');
            if (equals <= 0) continue;
            var key = Unquote(part[..equals]);
            var value = Unquote(part[(equals + 1)..]);
            if (key.StartsWith("uu_", StringComparison.OrdinalIgnoreCase)) key = key[3..];
            if (key.Equals("StationMacAddress", StringComparison.OrdinalIgnoreCase))
            {
                if (MacAddress.TryParse(value, out var parsed)) mac = parsed;
            }
            else if (key.Equals("StationIPAddress", StringComparison.OrdinalIgnoreCase))
            {
                if (value.Length > 2 && value[0] == '[' && value[^1] == ']') value = value[1..^1];
                if (IPAddress.TryParse(value, out var parsed)) address = parsed;
            }
        }
        identity = new StationIdentity(mac, address);
        return !identity.IsEmpty;
    }

    private static ReadOnlySpan<char> Unquote(ReadOnlySpan<char> value)
    {
        value = value.Trim();
        while (value.Length > 0 && value[0] is '"' or '\'') value = value[1..].Trim();
        while (value.Length > 0 && value[^1] is '"' or '\'') value = value[..^1].Trim();
        return value;
    }
}
