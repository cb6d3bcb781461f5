using System.Net;
using System.Net.Sockets;
using LocationServer.Core.Identifiers;

namespace LocationServer.Held;

/// <summary>
/// Checks and normalises RFC 6155 §3 identifier values. Lenient where real clients deviate (colon MACs, Kamailio's
/// display-name URIs, bare E.164 numbers in <c>uri</c>); strict where a wrong value could locate the wrong device.
/// </summary>
internal static class DeviceIdentifierParser
{
    public static bool TryParseKind(string localName, out DeviceIdentifierKind kind)
    {
        switch (localName)
        {
            case "ip": kind = DeviceIdentifierKind.Ip; return true;
            case "mac": kind = DeviceIdentifierKind.Mac; return true;
            case "udpport": kind = DeviceIdentifierKind.UdpPort; return true;
            case "tcpport": kind = DeviceIdentifierKind.TcpPort; return true;
            case "sctpport": kind = DeviceIdentifierKind.SctpPort; return true;
            case "dccpport": kind = DeviceIdentifierKind.DccpPort; return true;
            case "nai": kind = DeviceIdentifierKind.Nai; return true;
            case "uri": kind = DeviceIdentifierKind.Uri; return true;
            case "fqdn": kind = DeviceIdentifierKind.Fqdn; return true;
            case "duid": kind = DeviceIdentifierKind.Duid; return true;
            case "msisdn": kind = DeviceIdentifierKind.Msisdn; return true;
            case "imsi": kind = DeviceIdentifierKind.Imsi; return true;
            case "imei": kind = DeviceIdentifierKind.Imei; return true;
            case "min": kind = DeviceIdentifierKind.Min; return true;
            case "mdn": kind = DeviceIdentifierKind.Mdn; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>
    /// Normalises <paramref name="raw"/>. Returns false with a reason when malformed; returns true with a null value
    /// when the identifier is empty but tolerated (an empty <c>uri</c>, Kamailio issue #3426).
    /// </summary>
    public static bool TryNormalise(DeviceIdentifierKind kind, string raw, string? version, out string? value, out string? reason)
    {
        value = null;
        reason = null;
        var text = raw.Trim();
        switch (kind)
        {
            case DeviceIdentifierKind.Ip:
                return TryIp(text, version, out value, out reason);
            case DeviceIdentifierKind.Mac:
                if (text.Length > 0 && MacAddress.TryParse(text, out var mac)) { value = mac.ToDashString(); return true; }
                if (TryEui64(text, out value)) return true;
                reason = "is not a MAC-48/EUI-64 address";
                return false;
            case DeviceIdentifierKind.UdpPort or DeviceIdentifierKind.TcpPort or DeviceIdentifierKind.SctpPort or DeviceIdentifierKind.DccpPort:
                if (text.Length is > 0 and <= 5 && AllDigits(text) && int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) <= 65535)
                {
                    value = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return true;
                }
                reason = "is not a port number 0-65535";
                return false;
            case DeviceIdentifierKind.Nai:
                if (IsNai(text)) { value = text; return true; }
                reason = "is not a network access identifier";
                return false;
            case DeviceIdentifierKind.Uri:
                return TryUri(text, out value, out reason);
            case DeviceIdentifierKind.Fqdn:
                if (IsFqdn(text)) { value = text.TrimEnd('.').ToLowerInvariant(); return true; }
                reason = "is not a fully qualified domain name";
                return false;
            case DeviceIdentifierKind.Duid:
                if (text.Length is > 0 and <= 260 && text.Length % 2 == 0 && IsHex(text)) { value = text.ToLowerInvariant(); return true; }
                reason = "is not hexBinary of 1-130 octets";
                return false;
            case DeviceIdentifierKind.Msisdn or DeviceIdentifierKind.Imsi or DeviceIdentifierKind.Mdn:
                if (text.Length is >= 6 and <= 15 && AllDigits(text)) { value = text; return true; }
                reason = "must be 6-15 digits";
                return false;
            case DeviceIdentifierKind.Imei:
                if (text.Length is >= 1 and <= 15 && AllDigits(text)) { value = text; return true; }
                reason = "must be at most 15 digits";
                return false;
            case DeviceIdentifierKind.Min:
                if (text.Length == 10 && AllDigits(text)) { value = text; return true; }
                reason = "must be exactly 10 digits";
                return false;
            default:
                reason = "is not a known identifier";
                return false;
        }
    }

    private static bool TryIp(string text, string? version, out string? value, out string? reason)
    {
        value = null;
        reason = null;
        var v = version?.Trim();
        if (v is not (null or "4" or "6"))
        {
            reason = "has a v attribute other than 4 or 6";
            return false;
        }
        // IPAddress.TryParse also takes inet_aton shorthand ("10.1") and zone indices; neither names a device.
        var looksV4 = text.Length is >= 7 and <= 15 && text.Count(c => c == '.') == 3 && text.All(c => c is '.' or >= '0' and <= '9');
        var looksV6 = text.Contains(':', StringComparison.Ordinal) && !text.Contains('%', StringComparison.Ordinal);
        if ((!looksV4 && !looksV6) || !IPAddress.TryParse(text, out var address))
        {
            reason = "is not an IPv4 or IPv6 address";
            return false;
        }
        var family = address.AddressFamily == AddressFamily.InterNetwork ? "4" : "6";
        if (v is not null && v != family)
        {
            reason = $"is an IPv{family} address but v=\"{v}\"";
            return false;
        }
        value = address.ToString();
        return true;
    }

    private static bool TryEui64(string text, out string? value)
    {
        value = null;
        var parts = text.Split('-', ':');
        if (parts.Length != 8 || parts.Any(p => p.Length != 2 || !IsHex(p))) return false;
        value = string.Join('-', parts).ToLowerInvariant();
        return true;
    }

    private static bool TryUri(string text, out string? value, out string? reason)
    {
        value = null;
        reason = null;
        // Kamailio (issue #3426) can send a name-addr: "Display" <sip:...>; take what is inside the angle brackets.
        var open = text.IndexOf('<', StringComparison.Ordinal);
        if (open >= 0)
        {
            var close = text.IndexOf('>', open + 1);
            if (close < 0)
            {
                reason = "has an unterminated <...>";
                return false;
            }
            text = text[(open + 1)..close].Trim();
        }
        if (text.Length == 0) return true;
        if (text.Length > 2048 || text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '<' or '>'))
        {
            reason = "is not a URI";
            return false;
        }
        value = text;
        return true;
    }

    private static bool IsNai(string text)
    {
        if (text.Length is 0 or > 253) return false;
        var at = text.LastIndexOf('@');
        foreach (var c in text)
            if (char.IsWhiteSpace(c) || char.IsControl(c)) return false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\') continue;
            if (i + 2 >= text.Length || !IsHex(text.AsSpan(i + 1, 2))) return false;
        }
        if (at < 0) return true;
        if (text.IndexOf('@', StringComparison.Ordinal) != at || at == 0) return false;
        return IsFqdn(text[(at + 1)..]) && text[(at + 1)..].Contains('.', StringComparison.Ordinal);
    }

    private static bool IsFqdn(string text)
    {
        var name = text.EndsWith('.') ? text[..^1] : text;
        if (name.Length is 0 or > 253) return false;
        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
                if (!char.IsAsciiLetterOrDigit(c) && c != '-') return false;
        }
        return true;
    }

    private static bool AllDigits(string text)
    {
        foreach (var c in text)
            if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
            if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }
}
