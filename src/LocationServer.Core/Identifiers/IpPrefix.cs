using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace LocationServer.Core.Identifiers;

/// <summary>An IPv4 or IPv6 network prefix ("10.1.0.0/16", "2001:db8::/48"; a bare address is a host prefix).</summary>
public readonly record struct IpPrefix(bool IsV6, UInt128 Network, int Length)
{
    /// <summary>Parses CIDR notation or a single address. Host bits must be zero.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IpPrefix prefix)
    {
        prefix = default;
        text = text.Trim();
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address)) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var isV6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var max = isV6 ? 128 : 32;
        var length = max;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], out length) || length < 0 || length > max)) return false;
        var value = ToNumber(address);
        if ((value & ~Mask(isV6, length)) != 0) return false;
        prefix = new IpPrefix(isV6, value, length);
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

    /// <summary>The mask of the leading <paramref name="length"/> bits.</summary>
    public static UInt128 Mask(bool isV6, int length)
    {
        var max = isV6 ? 128 : 32;
        if (length == 0) return UInt128.Zero;
        var all = isV6 ? UInt128.MaxValue : uint.MaxValue;
        return (all << (max - length)) & all;
    }

    /// <summary>True when the address lies inside this prefix.</summary>
    public bool Contains(IPAddress address) =>
        IsV4(address) != IsV6 && (ToNumber(address) & Mask(IsV6, Length)) == Network;
}
