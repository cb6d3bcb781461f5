using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;

namespace LocationServer.Locating.Tokens;

/// <summary>
/// What a location URI stands for: a device of a tenant, the evidence it was located by when the URI was issued,
/// and the URI's lifetime (RFC 5985 §6.5). The URI always yields the device's <em>current</em> location. A URI issued
/// to a reference-only requester names it in <see cref="Requester"/>, and only that requester may dereference it
/// (RFC 6753 §4.2 access control).
/// </summary>
internal sealed record LocationToken(
    string TenantId,
    string DeviceKey,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    Evidence Evidence,
    bool TestCall = false,
    string? Requester = null);

/// <summary>Why a token did not redeem.</summary>
internal enum TokenFailure
{
    None = 0,
    /// <summary>Not a token of ours: bad encoding, or authentication failed (forged or altered).</summary>
    Invalid,
    /// <summary>Authentic but past its expiry.</summary>
    Expired,
    /// <summary>Authentic but issued for another tenant than the one asking.</summary>
    ForeignTenant,
}

/// <summary>
/// Seals location tokens with AES-256-GCM so that any replica holding the key can redeem them without shared state
/// (no Redis or database round trip at redemption). A token is base64url(nonce ‖ ciphertext ‖ tag): the 96-bit
/// random nonce and the 128-bit tag make it unguessable and unforgeable; the payload (tenant, device key,
/// evidence, expiry) is confidential, so the URI carries nothing that identifies the device (RFC 5985 §6.5.1).
/// </summary>
internal sealed class LocationTokenCodec
{
    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int MaxTokenChars = 1024;
    private static readonly byte[] AssociatedData = "locationserver/location-token/v1"u8.ToArray();

    private readonly byte[][] _keys;

    // AesGcm instances are not thread-safe; each thread keeps one per key of the codec it last used, so the key
    // schedule and the native context are set up once per thread rather than once per token.
    [ThreadStatic]
    private static Ciphers? t_ciphers;

    // The plaintext of the token being sealed, serialized on this thread.
    [ThreadStatic]
    private static PlaintextBuffer? t_plaintext;

    /// <param name="keys">The current key first, then older keys still accepted for redemption; 32 bytes each.</param>
    public LocationTokenCodec(IReadOnlyList<byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0 || keys.Any(k => k.Length != 32)) throw new ArgumentException("Token keys must be 32 bytes.", nameof(keys));
        _keys = [.. keys];
    }

    public string Seal(LocationToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var buffer = t_plaintext ??= new PlaintextBuffer();
        var plaintext = buffer.Serialize(token);
        var size = NonceSize + plaintext.Length + TagSize;
        var rented = size > StackSealLimit ? ArrayPool<byte>.Shared.Rent(size) : null;
        Span<byte> output = rented is null ? stackalloc byte[StackSealLimit] : rented;
        output = output[..size];
        try
        {
            var nonce = output[..NonceSize];
            RandomIds.Fill(nonce);
            Cipher(0).Encrypt(nonce, plaintext, output.Slice(NonceSize, plaintext.Length), output.Slice(NonceSize + plaintext.Length, TagSize), AssociatedData);
            return Base64Url.EncodeToString(output);
        }
        finally
        {
            plaintext.Clear();
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public TokenFailure TryOpen(string? text, string? expectedTenant, DateTimeOffset now, out LocationToken? token)
    {
        token = null;
        if (string.IsNullOrEmpty(text) || text.Length > MaxTokenChars) return TokenFailure.Invalid;
        foreach (var c in text)
        {
            // The decoder would skip whitespace and accept padding; a token has neither.
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return TokenFailure.Invalid;
        }
        Span<byte> raw = stackalloc byte[(MaxTokenChars * 3 / 4) + 3];
        // The OperationStatus form: the Try form throws on malformed input (a length of 4n + 1).
        if (Base64Url.DecodeFromChars(text, raw, out _, out var rawLength) != OperationStatus.Done) return TokenFailure.Invalid;
        raw = raw[..rawLength];
        if (raw.Length < NonceSize + TagSize + 1) return TokenFailure.Invalid;
        var cipherLength = raw.Length - NonceSize - TagSize;
        var plaintext = new byte[cipherLength];
        var opened = false;
        for (var k = 0; k < _keys.Length && !opened; k++)
        {
            try
            {
                Cipher(k).Decrypt(raw[..NonceSize], raw.Slice(NonceSize, cipherLength), raw[(NonceSize + cipherLength)..], plaintext, AssociatedData);
                opened = true;
            }
            catch (AuthenticationTagMismatchException)
            {
                // Try the next (older) key.
            }
        }
        if (!opened || !TryDeserialize(plaintext, out var parsed)) return TokenFailure.Invalid;
        if (now >= parsed!.ExpiresAt) return TokenFailure.Expired;
        if (expectedTenant is not null && !string.Equals(expectedTenant, parsed.TenantId, StringComparison.OrdinalIgnoreCase))
            return TokenFailure.ForeignTenant;
        token = parsed;
        return TokenFailure.None;
    }

    private const int StackSealLimit = 512;

    private AesGcm Cipher(int key)
    {
        var ciphers = t_ciphers;
        if (ciphers is null || !ReferenceEquals(ciphers.Codec, this)) t_ciphers = ciphers = new Ciphers(this, new AesGcm?[_keys.Length]);
        return ciphers.ByKey[key] ??= new AesGcm(_keys[key], TagSize);
    }

    private sealed record Ciphers(LocationTokenCodec Codec, AesGcm?[] ByKey);

    /// <summary>A reusable stream and writer for the token plaintext (one per thread, kept for the thread's life).</summary>
    private sealed class PlaintextBuffer : IDisposable
    {
        private readonly MemoryStream _stream = new(256);
        private readonly BinaryWriter _writer;

        public PlaintextBuffer() => _writer = new BinaryWriter(_stream, Encoding.UTF8);

        /// <summary>The token's plaintext, valid until the next call on this thread.</summary>
        public Span<byte> Serialize(LocationToken token)
        {
            _stream.SetLength(0);
            LocationTokenCodec.Serialize(_writer, token);
            _writer.Flush();
            return _stream.GetBuffer().AsSpan(0, (int)_stream.Length);
        }

        public void Dispose() => _writer.Dispose();
    }

    private static void Serialize(BinaryWriter w, LocationToken token)
    {
        w.Write(FormatVersion);
        w.Write((byte)((token.TestCall ? 1 : 0) | (token.Requester is not null ? 2 : 0)));
        w.Write(token.IssuedAt.ToUnixTimeSeconds());
        w.Write(token.ExpiresAt.ToUnixTimeSeconds());
        w.Write(token.TenantId);
        w.Write(token.DeviceKey);
        var e = token.Evidence;
        WriteAddress(w, e.SourceAddress);
        WriteAddress(w, e.ReportedAddress);
        WriteMac(w, e.DeviceMac);
        WriteMac(w, e.ServingBssid);
        WriteMac(w, e.GatewayMac);
        var neighbours = Math.Min(e.NeighbourBssids.Count, 8);
        w.Write((byte)neighbours);
        for (var i = 0; i < neighbours; i++) w.Write(e.NeighbourBssids[i].Value);
        var lldp = Math.Min(e.Lldp.Count, 4);
        w.Write((byte)lldp);
        for (var i = 0; i < lldp; i++)
        {
            WriteLldp(w, e.Lldp[i].Chassis);
            WriteLldp(w, e.Lldp[i].Port);
        }
        // Appended only when flagged, so tokens sealed before the field existed still open.
        if (token.Requester is not null) w.Write(token.Requester);
    }

    private static bool TryDeserialize(byte[] data, out LocationToken? token)
    {
        token = null;
        try
        {
            using var r = new BinaryReader(new MemoryStream(data), Encoding.UTF8);
            if (r.ReadByte() != FormatVersion) return false;
            var flags = r.ReadByte();
            var issued = DateTimeOffset.FromUnixTimeSeconds(r.ReadInt64());
            var expires = DateTimeOffset.FromUnixTimeSeconds(r.ReadInt64());
            var tenant = r.ReadString();
            var deviceKey = r.ReadString();
            var source = ReadAddress(r);
            var reported = ReadAddress(r);
            var mac = ReadMac(r);
            var serving = ReadMac(r);
            var gateway = ReadMac(r);
            var neighbours = new MacAddress[r.ReadByte()];
            for (var i = 0; i < neighbours.Length; i++) neighbours[i] = new MacAddress(r.ReadUInt64());
            var lldp = new LldpNeighbour[r.ReadByte()];
            for (var i = 0; i < lldp.Length; i++) lldp[i] = new LldpNeighbour(ReadLldp(r), ReadLldp(r));
            var requester = (flags & 2) != 0 ? r.ReadString() : null;
            token = new LocationToken(tenant, deviceKey, issued, expires, new Evidence
            {
                SourceAddress = source,
                ReportedAddress = reported,
                DeviceMac = mac,
                ServingBssid = serving,
                GatewayMac = gateway,
                NeighbourBssids = neighbours,
                Lldp = lldp,
            }, (flags & 1) != 0, requester);
            return true;
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentException or IOException)
        {
            return false;
        }
    }

    private static void WriteAddress(BinaryWriter w, IPAddress? address)
    {
        if (address is null) { w.Write((byte)0); return; }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        w.Write((byte)length);
        w.Write(bytes[..length]);
    }

    private static IPAddress? ReadAddress(BinaryReader r)
    {
        var length = r.ReadByte();
        return length == 0 ? null : new IPAddress(r.ReadBytes(length));
    }

    private static void WriteMac(BinaryWriter w, MacAddress? mac)
    {
        w.Write(mac.HasValue);
        if (mac is { } m) w.Write(m.Value);
    }

    private static MacAddress? ReadMac(BinaryReader r) => r.ReadBoolean() ? new MacAddress(r.ReadUInt64()) : null;

    private static void WriteLldp(BinaryWriter w, LldpId id)
    {
        w.Write(id.Subtype);
        w.Write((byte)id.Octets.Length);
        w.Write(id.Octets);
    }

    private static LldpId ReadLldp(BinaryReader r)
    {
        var subtype = r.ReadByte();
        var length = r.ReadByte();
        return new LldpId(subtype, r.ReadBytes(length));
    }
}
