namespace LocationServer.Core.Identifiers;

/// <summary>
/// An LLDP chassis ID or port ID: the IEEE 802.1AB subtype and the ID octets exactly as the neighbour sent them
/// (RFC 7105 §5.1). Chassis subtypes: 4 = MAC address, 5 = network address, 6 = interface name, 7 = local.
/// Port subtypes: 3 = MAC address, 5 = interface name, 7 = local.
/// </summary>
public sealed class LldpId : IEquatable<LldpId>
{
    /// <summary>Creates an ID; <paramref name="octets"/> must hold 1-255 bytes.</summary>
    public LldpId(byte subtype, byte[] octets)
    {
        ArgumentNullException.ThrowIfNull(octets);
        if (octets.Length is 0 or > 255) throw new ArgumentOutOfRangeException(nameof(octets), "LLDP IDs are 1-255 octets.");
        Subtype = subtype;
        Octets = octets;
        Key = ComputeKey(subtype, octets);
    }

    /// <summary>IEEE 802.1AB ID subtype (0 when unknown: then any subtype matches in the wiremap).</summary>
    public byte Subtype { get; }

    /// <summary>The raw ID octets.</summary>
    public byte[] Octets { get; }

    /// <summary>A 64-bit key over subtype-independent octets, for hashing in the index.</summary>
    public ulong Key { get; }

    /// <summary>
    /// Parses the wiremap spelling "[subtype:]value". The value is taken as a MAC when it parses as one (the
    /// subtype then defaults to 4 for chassis, 3 for port), as hex when prefixed "0x", and otherwise as text
    /// (an interface name such as "Gi1/0/7", subtype 5 for ports and 6 for chassis when not given).
    /// </summary>
    public static bool TryParse(string text, bool isPort, out LldpId? id)
    {
        id = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        byte? subtype = null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon is > 0 and <= 3 && byte.TryParse(text.AsSpan(0, colon), out var st))
        {
            subtype = st;
            text = text[(colon + 1)..];
        }
        if (text.Length == 0) return false;
        byte[] octets;
        if (MacAddress.TryParse(text, out var mac))
        {
            octets = new byte[6];
            for (var i = 0; i < 6; i++) octets[i] = (byte)(mac.Value >> (8 * (5 - i)));
            subtype ??= isPort ? (byte)3 : (byte)4;
        }
        else if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            try { octets = Convert.FromHexString(text.AsSpan(2)); }
            catch (FormatException) { return false; }
            subtype ??= 0;
        }
        else
        {
            octets = System.Text.Encoding.UTF8.GetBytes(text);
            subtype ??= isPort ? (byte)5 : (byte)6;
        }
        if (octets.Length is 0 or > 255) return false;
        id = new LldpId(subtype.Value, octets);
        return true;
    }

    /// <summary>Parses the RFC 7105 wire form: subtype attribute plus hexBinary content (either case).</summary>
    public static bool TryParseHex(byte subtype, ReadOnlySpan<char> hex, out LldpId? id)
    {
        id = null;
        hex = hex.Trim();
        if (hex.Length == 0 || hex.Length % 2 != 0 || hex.Length > 510) return false;
        var octets = new byte[hex.Length / 2];
        for (var i = 0; i < octets.Length; i++)
        {
            var hi = MacAddress.HexValue(hex[2 * i]);
            var lo = MacAddress.HexValue(hex[(2 * i) + 1]);
            if (hi < 0 || lo < 0) return false;
            octets[i] = (byte)((hi << 4) | lo);
        }
        id = new LldpId(subtype, octets);
        return true;
    }

    /// <summary>True when both IDs carry the same octets and the subtypes agree (0 is a wildcard).</summary>
    public bool Equals(LldpId? other) =>
        other is not null && Key == other.Key &&
        (Subtype == other.Subtype || Subtype == 0 || other.Subtype == 0) &&
        Octets.AsSpan().SequenceEqual(other.Octets);

    public override bool Equals(object? obj) => obj is LldpId other && Equals(other);

    public override int GetHashCode() => (int)Key;

    /// <summary>Readable form: text for name subtypes, colon MAC for MAC subtypes, else hex.</summary>
    public override string ToString()
    {
        if (Octets.Length == 6 && Subtype is 3 or 4) return $"{Subtype}:{MacFromOctets()}";
        if (Subtype is 5 or 6 or 7 && Octets.All(b => b is >= 0x20 and < 0x7f))
            return $"{Subtype}:{System.Text.Encoding.ASCII.GetString(Octets)}";
        return $"{Subtype}:0x{Convert.ToHexStringLower(Octets)}";
    }

    private MacAddress MacFromOctets()
    {
        MacAddress.TryFromBytes(Octets, out var mac);
        return mac;
    }

    private static ulong ComputeKey(byte subtype, byte[] octets)
    {
        _ = subtype;
        // FNV-1a: stable across processes, good enough spread for switch names and MACs.
        var hash = 14695981039346656037UL;
        foreach (var b in octets)
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}
