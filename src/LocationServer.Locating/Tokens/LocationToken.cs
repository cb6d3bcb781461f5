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
        var plaintext = Serialize(token);
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keys[0], TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), AssociatedData);
        return Base64Url(output);
    }

    public TokenFailure TryOpen(string? text, string? expectedTenant, DateTimeOffset now, out LocationToken? token)
    {
        token = null;
        if (string.IsNullOrEmpty(text) || text.Length > MaxTokenChars) return TokenFailure.Invalid;
        byte[] raw;
        try { raw = FromBase64Url(text); }
        catch (FormatException) { return TokenFailure.Invalid; }
        if (raw.Length < NonceSize + TagSize + 1) return TokenFailure.Invalid;
        var cipherLength = raw.Length - NonceSize - TagSize;
        var plaintext = new byte[cipherLength];
        var opened = false;
        foreach (var key in _keys)
        {
            using var aes = new AesGcm(key, TagSize);
            try
            {
                aes.Decrypt(raw.AsSpan(0, NonceSize), raw.AsSpan(NonceSize, cipherLength), raw.AsSpan(NonceSize + cipherLength), plaintext, AssociatedData);
                opened = true;
                break;
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

    private static byte[] Serialize(LocationToken token)
    {
        using var stream = new MemoryStream(128);
        using var w = new BinaryWriter(stream, Encoding.UTF8);
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
        w.Flush();
        return stream.ToArray();
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
        var bytes = address.GetAddressBytes();
        w.Write((byte)bytes.Length);
        w.Write(bytes);
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

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) throw new FormatException("Not base64url.");
        }
        var s = text.Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        return Convert.FromBase64String(s);
    }
}
