using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace LocationServer.Grpc;

/// <summary>
/// Wire details of gRPC over HTTP/2 (grpc/doc/PROTOCOL-HTTP2.md): length-prefixed message frames,
/// <c>grpc-timeout</c> and the percent-encoding of <c>grpc-message</c>.
/// </summary>
internal static class GrpcProtocol
{
    /// <summary>Size of the Length-Prefixed-Message header: Compressed-Flag (1 byte) + Message-Length (4 bytes, big-endian).</summary>
    public const int FrameHeaderSize = 5;

    /// <summary>True for "application/grpc", "application/grpc+proto" and those with parameters; false for other subtypes.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return false;
        var span = contentType.AsSpan();
        var semicolon = span.IndexOf(';');
        if (semicolon >= 0) span = span[..semicolon];
        span = span.Trim();
        return span.Equals("application/grpc", StringComparison.OrdinalIgnoreCase) ||
               span.Equals("application/grpc+proto", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Outcome of looking for one complete frame in a buffer.</summary>
    public enum FrameResult
    {
        /// <summary>A complete frame is present.</summary>
        Complete,
        /// <summary>More bytes are needed.</summary>
        Incomplete,
        /// <summary>The Compressed-Flag is set; this server supports only the identity encoding.</summary>
        Compressed,
        /// <summary>The Compressed-Flag has a value other than 0 or 1.</summary>
        InvalidFlag,
        /// <summary>The declared length exceeds the limit.</summary>
        TooLarge,
    }

    /// <summary>
    /// Looks for one complete frame at the start of <paramref name="buffer"/>. On <see cref="FrameResult.Complete"/>
    /// <paramref name="message"/> is the payload and <paramref name="frameLength"/> the bytes the frame occupies.
    /// </summary>
    public static FrameResult TryReadFrame(in ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> message, out long frameLength)
    {
        message = default;
        frameLength = 0;
        if (buffer.Length < FrameHeaderSize) return FrameResult.Incomplete;
        Span<byte> header = stackalloc byte[FrameHeaderSize];
        buffer.Slice(0, FrameHeaderSize).CopyTo(header);
        if (header[0] == 1) return FrameResult.Compressed;
        if (header[0] != 0) return FrameResult.InvalidFlag;
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxMessageSize) return FrameResult.TooLarge;
        if (buffer.Length < FrameHeaderSize + length) return FrameResult.Incomplete;
        message = buffer.Slice(FrameHeaderSize, length);
        frameLength = FrameHeaderSize + length;
        return FrameResult.Complete;
    }

    /// <summary>Writes the frame header for an uncompressed message of <paramref name="length"/> bytes.</summary>
    public static void WriteFrameHeader(Span<byte> destination, int length)
    {
        destination[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>
    /// Parses a <c>grpc-timeout</c> value: 1-8 ASCII digits and a unit (H hours, M minutes, S seconds,
    /// m milliseconds, u microseconds, n nanoseconds). Sub-tick remainders round up so a timeout never shrinks.
    /// </summary>
    public static bool TryParseTimeout(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(value) || value.Length is < 2 or > 9) return false;
        var digits = value.AsSpan(0, value.Length - 1);
        foreach (var c in digits)
        {
            if (c is < '0' or > '9') return false;
        }
        var amount = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        long ticks;
        switch (value[^1])
        {
            case 'H': ticks = amount * TimeSpan.TicksPerHour; break;
            case 'M': ticks = amount * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = amount * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = amount * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = amount * TimeSpan.TicksPerMicrosecond; break;
            case 'n': ticks = (amount + 99) / 100; break;
            default: return false;
        }
        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>
    /// Percent-encodes a status message for <c>grpc-message</c>: UTF-8 bytes outside printable ASCII
    /// (0x20-0x7E) and '%' itself become "%XX"; everything else is sent as is.
    /// </summary>
    public static string EncodeMessage(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var needs = false;
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                needs = true;
                break;
            }
        }
        if (!needs) return message;
        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is < 0x20 or > 0x7E or (byte)'%') builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            else builder.Append((char)b);
        }
        return builder.ToString();
    }

    /// <summary>Decodes a <c>grpc-message</c> value; malformed escapes are kept literally, as the spec asks.</summary>
    public static string DecodeMessage(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Contains('%', StringComparison.Ordinal)) return value;
        var bytes = new List<byte>(value.Length);
        var literalStart = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length &&
                byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value, literalStart, i - literalStart));
                bytes.Add(b);
                i += 2;
                literalStart = i + 1;
            }
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(value, literalStart, value.Length - literalStart));
        return Encoding.UTF8.GetString([.. bytes]);
    }
}
