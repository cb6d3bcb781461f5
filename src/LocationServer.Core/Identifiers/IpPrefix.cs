using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LocationServer.Core.Identifiers;

/// <summary>
/// An IPv4 or IPv6 network prefix ("10.1.0.0/16", "2001:db8::/48"; a bare address is a host prefix). IPv4 values
/// live in the low 32 bits of <see cref="Network"/>. IPv4-mapped IPv6 prefixes ("::ffff:10.0.0.0/104") are
/// normalised to IPv4 ("10.0.0.0/8") so they match IPv4 and IPv4-mapped sources alike.
/// </summary>
public readonly record struct IpPrefix(bool IsV6, UInt128 Network, int Length)
{
    /// <summary>
    /// Parses CIDR notation or a single address. Host bits must be zero ("10.1.2.3/16" is rejected rather than
    /// guessed at), IPv4 must be a full dotted quad of decimal octets without leading zeros, and zone ids
    /// ("%eth0") are not accepted.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IpPrefix prefix)
    {
        prefix = default;
        text = text.Trim();
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (addressText.IsEmpty || addressText.Contains('%')) return false;
        if (!addressText.Contains(':'))
        {
            // IPAddress.TryParse takes "10" as 0.0.0.10, "10.1" as 10.0.0.1 and "010" as octal 8; a wiremap typo
            // must not silently become some other range, so IPv4 is a plain dotted quad of decimal octets.
            if (!TryParseDottedQuad(addressText, out var v4)) return false;
            var v4Length = 32;
            if (slash >= 0 && !TryParseLength(text[(slash + 1)..], 32, out v4Length)) return false;
            if ((v4 & ~Mask(false, v4Length)) != 0) return false;
            prefix = new IpPrefix(false, v4, v4Length);
            return true;
        }
        if (!IPAddress.TryParse(addressText, out var address)) return false;
        var mapped = address.IsIPv4MappedToIPv6;
        var isV6 = address.AddressFamily == AddressFamily.InterNetworkV6 && !mapped;
        var max = isV6 ? 128 : 32;
        var length = max;
        if (slash >= 0)
        {
            if (!TryParseLength(text[(slash + 1)..], 128, out length)) return false;
            if (mapped)
            {
                if (length < 96) return false;
                length -= 96;
            }
        }
        var value = ToNumber(address);
        if ((value & ~Mask(isV6, length)) != 0) return false;
        prefix = new IpPrefix(isV6, value, length);
        return true;
    }

    private static bool TryParseLength(ReadOnlySpan<char> text, int max, out int length)
    {
        length = 0;
        return !text.IsEmpty && text.Length <= 3 &&
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out length) && length <= max;
    }

    private static bool TryParseDottedQuad(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        var octets = 0;
        var digits = 0;
        var octet = 0;
        foreach (var c in text)
        {
            if (c == '.')
            {
                if (digits == 0 || ++octets > 3) return false;
                value = (value << 8) | (uint)octet;
                digits = octet = 0;
                continue;
            }
            if (c is < '0' or > '9' || ++digits > 3) return false;
            // A leading zero ("010") is ambiguous: some parsers read it as octal.
            if (digits == 2 && octet == 0) return false;
            octet = (octet * 10) + (c - '0');
            if (octet > 255) return false;
        }
        if (digits == 0 || octets != 3) return false;
        value = (value << 8) | (uint)octet;
        return true;
    }

    /// <summary>The address as a number (IPv4 in the low 32 bits). IPv4-mapped IPv6 addresses count as IPv4.</summary>
    public static UInt128 ToNumber(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        if (written == 4) return BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (address.IsIPv4MappedToIPv6) return BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>True when the address is IPv4 or IPv4-mapped IPv6.</summary>
    public static bool IsV4(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily == AddressFamily.InterNetwork || address.IsIPv4MappedToIPv6;
    }

    /// <summary>The mask of the leading <paramref name="length"/> bits (IPv4 masks in the low 32 bits).</summary>
    public static UInt128 Mask(bool isV6, int length)
    {
        var max = isV6 ? 128 : 32;
        if (length <= 0) return UInt128.Zero;
        var all = isV6 ? UInt128.MaxValue : uint.MaxValue;
        return (all << (max - length)) & all;
    }

    /// <summary>True when the address lies inside this prefix.</summary>
    public bool Contains(IPAddress address) =>
        IsV4(address) != IsV6 && (ToNumber(address) & Mask(IsV6, Length)) == Network;

    /// <summary>CIDR text, e.g. "10.1.0.0/16" or "2001:db8::/48".</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        IPAddress address;
        if (IsV6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes, Network);
            address = new IPAddress(bytes);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Network);
            address = new IPAddress(bytes[..4]);
        }
        return string.Create(CultureInfo.InvariantCulture, $"{address}/{Length}");
    }
}
