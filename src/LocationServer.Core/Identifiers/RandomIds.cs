using System.Buffers.Binary;
using System.Security.Cryptography;

namespace LocationServer.Core.Identifiers;

/// <summary>
/// Random identifiers for the hot paths (call record and alert ids, presence entities, token nonces): bytes from the
/// operating system's cryptographic generator, as <see cref="RandomNumberGenerator"/> gives them, drawn 4 KiB at a
/// time into a per-thread buffer instead of one system call per identifier. Each byte is handed out once.
/// </summary>
public static class RandomIds
{
    private const int BufferSize = 4096;

    [ThreadStatic]
    private static byte[]? t_buffer;

    [ThreadStatic]
    private static int t_used;

    /// <summary>Fills <paramref name="destination"/> with cryptographically secure random bytes.</summary>
    public static void Fill(Span<byte> destination)
    {
        if (destination.Length > BufferSize / 4)
        {
            RandomNumberGenerator.Fill(destination);
            return;
        }
        var buffer = t_buffer;
        if (buffer is null || t_used + destination.Length > BufferSize)
        {
            buffer = t_buffer ??= new byte[BufferSize];
            RandomNumberGenerator.Fill(buffer);
            t_used = 0;
        }
        var taken = buffer.AsSpan(t_used, destination.Length);
        taken.CopyTo(destination);
        // Handed out: not left in memory for the next caller to see.
        taken.Clear();
        t_used += destination.Length;
    }

    /// <summary>
    /// A version 7 UUID (RFC 9562) for <paramref name="at"/>: 48 bits of Unix milliseconds, then 74 random bits, as
    /// <see cref="Guid.CreateVersion7(DateTimeOffset)"/> makes it.
    /// </summary>
    public static Guid NewVersion7(DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        Fill(bytes[6..]);
        var milliseconds = at.ToUnixTimeMilliseconds();
        if ((ulong)milliseconds > 0xFFFF_FFFF_FFFF) throw new ArgumentOutOfRangeException(nameof(at), "A version 7 UUID holds times from 1970 to 10889.");
        BinaryPrimitives.WriteInt64BigEndian(bytes[..8], (milliseconds << 16) | ((long)((bytes[6] & 0x0F) | 0x70) << 8) | bytes[7]);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary><see cref="NewVersion7"/> as 32 lowercase hexadecimal digits (the "N" format).</summary>
    public static string NewVersion7String(DateTimeOffset at) => NewVersion7(at).ToString("N");
}
