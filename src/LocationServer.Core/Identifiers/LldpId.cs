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
        Key = ComputeKey(octets);
    }

    /// <summary>IEEE 802.1AB ID subtype (0 when unknown: then any subtype matches in the wiremap).</summary>
    public byte Subtype { get; }

    /// <summary>The raw ID octets.</summary>
    public byte[] Octets { get; }

    /// <summary>A 64-bit key over subtype-independent octets, for hashing in the index.</summary>
    public ulong Key { get; }

    /// <summary>
    /// Parses the wiremap spelling "[subtype:]value". Without a subtype, a value that parses as a MAC (any
    /// <see cref="MacAddress"/> spelling, so "00:11:22:33:44:55" is a MAC and not subtype 0) gets the MAC subtype
    /// (4 for chassis, 3 for port); "0x..." hex gets subtype 0 (any subtype matches); anything else is text such as
    /// the interface name "Gi1/0/7" (subtype 5 for ports, 6 for chassis). A single-digit subtype 0-7 may be given
    /// explicitly: with a MAC subtype (or 0) the value may be a MAC; with a network-address subtype (chassis 5,
    /// port 4) the value may be an IP address, encoded as IANA address family plus address octets (IEEE 802.1AB
    /// §8.5.2.3); otherwise the value is hex ("0x...") or text.
    /// </summary>
    public static bool TryParse(string text, bool isPort, out LldpId? id)
    {
        id = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        var macSubtype = isPort ? (byte)3 : (byte)4;
        var addressSubtype = isPort ? (byte)4 : (byte)5;
        var nameSubtype = isPort ? (byte)5 : (byte)6;
        byte[]? octets;
        byte subtype;
        if (MacAddress.TryParse(text, out var bare))
        {
            return TryCreate(macSubtype, MacOctets(bare), out id);
        }
        if (text.Length >= 2 && text[1] == ':' && text[0] is >= '0' and <= '7')
        {
            subtype = (byte)(text[0] - '0');
            text = text[2..];
            if (text.Length == 0) return false;
            if ((subtype == macSubtype || subtype == 0) && MacAddress.TryParse(text, out var mac))
                return TryCreate(subtype, MacOctets(mac), out id);
            if (subtype == addressSubtype && System.Net.IPAddress.TryParse(text, out var address) && text.Contains('.') != text.Contains(':'))
            {
                var bytes = address.GetAddressBytes();
                octets = new byte[bytes.Length + 1];
                octets[0] = bytes.Length == 4 ? (byte)1 : (byte)2;
                bytes.CopyTo(octets, 1);
                return TryCreate(subtype, octets, out id);
            }
        }
        else
        {
            subtype = 255;
        }
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            octets = ParseHex(text.AsSpan(2));
            if (octets is null) return false;
            return TryCreate(subtype == 255 ? (byte)0 : subtype, octets, out id);
        }
        return TryCreate(subtype == 255 ? nameSubtype : subtype, System.Text.Encoding.UTF8.GetBytes(text), out id);
    }

    /// <summary>Parses the RFC 7105 wire form: subtype attribute plus hexBinary content (either case).</summary>
    public static bool TryParseHex(byte subtype, ReadOnlySpan<char> hex, out LldpId? id)
    {
        id = null;
        var octets = ParseHex(hex.Trim());
        return octets is not null && TryCreate(subtype, octets, out id);
    }

    private static byte[]? ParseHex(ReadOnlySpan<char> hex)
    {
        if (hex.Length == 0 || hex.Length % 2 != 0 || hex.Length > 510) return null;
        var octets = new byte[hex.Length / 2];
        for (var i = 0; i < octets.Length; i++)
        {
            var hi = MacAddress.HexValue(hex[2 * i]);
            var lo = MacAddress.HexValue(hex[(2 * i) + 1]);
            if (hi < 0 || lo < 0) return null;
            octets[i] = (byte)((hi << 4) | lo);
        }
        return octets;
    }

    private static bool TryCreate(byte subtype, byte[] octets, out LldpId? id)
    {
        id = octets.Length is 0 or > 255 ? null : new LldpId(subtype, octets);
        return id is not null;
    }

    private static byte[] MacOctets(MacAddress mac)
    {
        var octets = new byte[6];
        for (var i = 0; i < 6; i++) octets[i] = (byte)(mac.Value >> (8 * (5 - i)));
        return octets;
    }

    /// <summary>True when both IDs carry the same octets and the subtypes agree (0 is a wildcard).</summary>
    public bool Equals(LldpId? other) =>
        other is not null && Key == other.Key &&
        (Subtype == other.Subtype || Subtype == 0 || other.Subtype == 0) &&
        Octets.AsSpan().SequenceEqual(other.Octets);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is LldpId other && Equals(other);

    /// <summary>Hashes the octets only, so that wildcard (subtype 0) IDs hash like the IDs they equal.</summary>
    public override int GetHashCode() => (int)(Key ^ (Key >> 32));

    /// <summary>Readable form: text for name subtypes, colon MAC for MAC subtypes, else hex.</summary>
    public override string ToString()
    {
        if (Octets.Length == 6 && Subtype is 3 or 4) return $"{Subtype}:{MacFromOctets()}";
        if (Subtype is 5 or 6 or 7 && Octets.Length > 0 && Octets.All(b => b is >= 0x20 and < 0x7f))
            return $"{Subtype}:{System.Text.Encoding.ASCII.GetString(Octets)}";
        return $"{Subtype}:0x{Convert.ToHexStringLower(Octets)}";
    }

    private MacAddress MacFromOctets()
    {
        MacAddress.TryFromBytes(Octets, out var mac);
        return mac;
    }

    private static ulong ComputeKey(byte[] octets)
    {
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
