namespace LocationServer.Core.Identifiers;

/// <summary>
/// A 48-bit IEEE MAC address (also a Wi-Fi BSSID or an LLDP MAC chassis ID) held as a number.
/// Parses colon (00:11:22:33:44:55), dash (00-11-22-33-44-55), Cisco dot (0011.2233.4455) and bare hex
/// (001122334455), in either case. EUI-64 identifiers (16 hex digits, e.g. a FireWire or IEEE 802.15.4 address)
/// are rejected: they are not Ethernet or Wi-Fi addresses and must not be truncated into one.
/// </summary>
public readonly record struct MacAddress(ulong Value)
{
    /// <summary>
    /// Parses any accepted spelling, case-insensitively. Separators must be used consistently: colon and dash
    /// separate two-digit groups, dot separates four-digit groups; no leading, trailing or doubled separators.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out MacAddress mac)
    {
        mac = default;
        text = text.Trim();
        ulong value = 0;
        var digits = 0;
        char separator = '\0';
        var sinceSeparator = 0;
        foreach (var c in text)
        {
            var nibble = HexValue(c);
            if (nibble >= 0)
            {
                if (++digits > 12) return false;
                value = (value << 4) | (uint)nibble;
                sinceSeparator++;
                continue;
            }
            if (c is not (':' or '-' or '.')) return false;
            if (separator == '\0') separator = c;
            else if (separator != c) return false;
            var groupLength = c == '.' ? 4 : 2;
            if (sinceSeparator != groupLength) return false;
            sinceSeparator = 0;
        }
        if (digits != 12) return false;
        if (separator != '\0' && sinceSeparator != (separator == '.' ? 4 : 2)) return false;
        mac = new MacAddress(value);
        return true;
    }

    /// <summary>Parses 6 raw octets.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> octets, out MacAddress mac)
    {
        mac = default;
        if (octets.Length != 6) return false;
        ulong value = 0;
        foreach (var b in octets) value = (value << 8) | b;
        mac = new MacAddress(value);
        return true;
    }

    /// <summary>RFC 6155 / RFC 7105 form: lower-case, dash-separated ("00-11-22-33-44-55").</summary>
    public string ToDashString() => Format('-');

    /// <summary>Colon form, lower case.</summary>
    public override string ToString() => Format(':');

    private const string LowerHex = "0123456789abcdef";

    private string Format(char separator) => string.Create(17, (Value, separator), static (span, state) =>
    {
        for (var i = 0; i < 6; i++)
        {
            var octet = (byte)(state.Value >> (8 * (5 - i)));
            span[i * 3] = LowerHex[octet >> 4];
            span[(i * 3) + 1] = LowerHex[octet & 0xF];
            if (i < 5) span[(i * 3) + 2] = state.separator;
        }
    });

    internal static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
