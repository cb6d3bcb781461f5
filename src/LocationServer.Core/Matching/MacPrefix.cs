using LocationServer.Core.Identifiers;

namespace LocationServer.Core.Matching;

/// <summary>
/// A MAC prefix wildcard for multi-BSSID access points: "00:11:22:33:44:5*" (whole hex digits, any separators or
/// none) or "00:11:22:33:44:50/44" (bit length 1-48; bits past the length must be zero).
/// <see cref="Value"/> is the 48-bit prefix with the wildcard bits zero.
/// </summary>
public readonly record struct MacPrefix(ulong Value, int Bits)
{
    private const ulong All48 = 0xFFFF_FFFF_FFFFUL;

    /// <summary>The mask of the <see cref="Bits"/> leading bits of a 48-bit MAC.</summary>
    public ulong Mask => MaskOf(Bits);

    /// <summary>True when <paramref name="mac"/> starts with this prefix.</summary>
    public bool Contains(MacAddress mac) => (mac.Value & Mask) == Value;

    /// <summary>Parses either spelling; returns false for anything else, including a bare MAC without '*' or '/'.</summary>
    public static bool TryParse(string text, out MacPrefix prefix)
    {
        prefix = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var span = text.AsSpan().Trim();
        var slash = span.IndexOf('/');
        if (slash > 0)
        {
            if (!MacAddress.TryParse(span[..slash], out var mac) ||
                !int.TryParse(span[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bits) ||
                bits is < 1 or > 48) return false;
            if ((mac.Value & ~MaskOf(bits) & All48) != 0) return false;
            prefix = new MacPrefix(mac.Value, bits);
            return true;
        }
        if (span.Length < 2 || span[^1] != '*') return false;
        ulong value = 0;
        var digits = 0;
        foreach (var c in span[..^1])
        {
            var n = MacAddress.HexValue(c);
            if (n < 0)
            {
                if (c is ':' or '-' or '.') continue;
                return false;
            }
            if (++digits > 11) return false;
            value = (value << 4) | (uint)n;
        }
        if (digits == 0) return false;
        prefix = new MacPrefix(value << (4 * (12 - digits)), digits * 4);
        return true;
    }

    /// <summary>Canonical "/bits" spelling, e.g. "00:11:22:33:44:50/44".</summary>
    public override string ToString() => $"{new MacAddress(Value)}/{Bits}";

    internal static ulong MaskOf(int bits) => bits <= 0 ? 0 : (All48 << (48 - bits)) & All48;
}
