using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using LocationServer.Held.Pidf;

namespace LocationServer.Held;

/// <summary>
/// A <c>locationResponse</c> rendered once for every answer that differs from it only in its per-answer parts: the
/// presence entity (random per document, so documents cannot be linked by it, RFC 5985 §6.6) and the token, the last
/// path segment, of each location URI (unique per answer, RFC 5985 §6.5). Answers for one location within one second
/// are otherwise the same document (timestamps are whole seconds), so <see cref="HeldResponseWriter"/> writes it once
/// with stand-ins, and each answer is those bytes with its own entity and tokens spliced in: byte for byte what the
/// writer produces for that answer.
/// </summary>
/// <remarks>
/// A spliced value is written verbatim, so it must be text the writer would not escape or trim: printable ASCII
/// without quotes, <c>&amp;</c>, <c>&lt;</c> or <c>&gt;</c>. An answer whose entity or tokens hold anything else is
/// not served from a template (<see cref="Fits"/> is false) and is written in full.
/// </remarks>
public sealed class LocationResponseTemplate
{
    /// <summary>At most this many location URIs in a templated answer (one is usual).</summary>
    public const int MaxUris = 8;

    // A stand-in is a random stem (fresh per process, so no real value holds one) plus a slot: "u0".."u7" for the
    // location URIs, "e0" for the entity.
    private static readonly string StemText = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private static readonly byte[] Stem = Encoding.ASCII.GetBytes(StemText);
    private const int StandInLength = 32 + 2;
    private const int EntitySlot = -1;

    private readonly LocationResponse _shape;
    private readonly string[] _uriPrefixes;
    private readonly byte[] _text;
    private readonly int[] _cuts;
    private readonly int[] _slots;

    private LocationResponseTemplate(LocationResponse shape, string[] uriPrefixes, byte[] text, int[] cuts, int[] slots)
    {
        _shape = shape;
        _uriPrefixes = uriPrefixes;
        _text = text;
        _cuts = cuts;
        _slots = slots;
    }

    /// <summary>
    /// Renders the template for <paramref name="response"/> and answers like it; null when its entity or tokens cannot
    /// be spliced (see the remarks), in which case the answer is to be written in full.
    /// </summary>
    public static LocationResponseTemplate? Create(LocationResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var count = response.LocationUris.Count;
        if (count > MaxUris || !Spliceable(response)) return null;
        var prefixes = new string[count];
        var standInUris = new string[count];
        var stem = StemText;
        for (var i = 0; i < count; i++)
        {
            var uri = response.LocationUris[i];
            prefixes[i] = uri[..(uri.LastIndexOf('/') + 1)];
            standInUris[i] = prefixes[i] + stem + "u" + (char)('0' + i);
        }
        var standIn = response with
        {
            LocationUris = standInUris,
            Presence = response.Presence is { } presence ? presence with { Entity = stem + "e0" } : null,
        };
        var rendered = new ArrayBufferWriter<byte>(4096);
        HeldResponseWriter.WriteLocationResponse(standIn, rendered);

        var source = rendered.WrittenSpan;
        var text = new byte[source.Length];
        var cuts = new List<int>(count + 1);
        var slots = new List<int>(count + 1);
        var seen = 0L;
        var written = 0;
        while (true)
        {
            var at = source.IndexOf(Stem);
            if (at < 0) break;
            if (at + StandInLength > source.Length) return null;
            source[..at].CopyTo(text.AsSpan(written));
            written += at;
            var slot = source[at + 32] switch
            {
                (byte)'u' when source[at + 33] - '0' is var i && i >= 0 && i < count => i,
                (byte)'e' when source[at + 33] == '0' && response.Presence is not null => EntitySlot,
                _ => int.MinValue,
            };
            // Each stand-in must appear exactly once, or splicing would not reproduce the writer's output.
            var bit = 1L << (slot == EntitySlot ? MaxUris : slot);
            if (slot == int.MinValue || (seen & bit) != 0) return null;
            seen |= bit;
            cuts.Add(written);
            slots.Add(slot);
            source = source[(at + StandInLength)..];
        }
        source.CopyTo(text.AsSpan(written));
        written += source.Length;
        if (slots.Count != count + (response.Presence is null ? 0 : 1)) return null;
        return new LocationResponseTemplate(response, prefixes, text.AsSpan(0, written).ToArray(), [.. cuts], [.. slots]);
    }

    /// <summary>
    /// True when <paramref name="response"/> is this template's document with only its entity and tokens changed, and
    /// those can be spliced.
    /// </summary>
    public bool Fits(LocationResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var shape = _shape;
        if (response.LocationUris.Count != _uriPrefixes.Length || response.UrisExpire != shape.UrisExpire) return false;
        for (var i = 0; i < _uriPrefixes.Length; i++)
        {
            var uri = response.LocationUris[i];
            var prefix = _uriPrefixes[i];
            if (uri is null || uri.Length <= prefix.Length || !uri.StartsWith(prefix, StringComparison.Ordinal) ||
                !IsVerbatim(uri.AsSpan(prefix.Length), allowSlash: false))
                return false;
        }
        if (response.Presence is { } presence)
        {
            if (shape.Presence is not { } expected || !IsVerbatim(presence.Entity, allowSlash: true) ||
                presence.Locations.Count != expected.Locations.Count)
                return false;
            for (var i = 0; i < presence.Locations.Count; i++)
                if (!SameLocation(presence.Locations[i], expected.Locations[i])) return false;
        }
        else if (shape.Presence is not null)
        {
            return false;
        }
        return SameDevice(response.EchoDevice, shape.EchoDevice) &&
            SameRouting(response.Routing, shape.Routing) &&
            Equals(response.ManualEntry, shape.ManualEntry);
    }

    /// <summary>The length in bytes of the document for <paramref name="response"/> (which must fit).</summary>
    public int LengthFor(LocationResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var length = _text.Length;
        foreach (var slot in _slots) length += Value(response, slot).Length;
        return length;
    }

    /// <summary>Writes the document for <paramref name="response"/> (which must fit): UTF-8, no BOM.</summary>
    public void WriteTo(LocationResponse response, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(output);
        var from = 0;
        for (var i = 0; i < _cuts.Length; i++)
        {
            output.Write(_text.AsSpan(from, _cuts[i] - from));
            Encoding.ASCII.GetBytes(Value(response, _slots[i]), output);
            from = _cuts[i];
        }
        output.Write(_text.AsSpan(from));
    }

    /// <summary>
    /// A hash of what decides which template an answer may use, left of the per-second parts so an answer replaces the
    /// last second's template of its location: the location (by identity), the method, the number of URIs.
    /// </summary>
    public static int ShapeHash(LocationResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var hash = new HashCode();
        hash.Add(response.LocationUris.Count);
        if (response.Presence is { Locations: [var first, ..] })
        {
            hash.Add(RuntimeHelpers.GetHashCode(first.Civic));
            hash.Add(first.Point);
            hash.Add(first.Method, StringComparer.Ordinal);
        }
        hash.Add(response.EchoDevice?.Identifiers.Count ?? 0);
        return hash.ToHashCode();
    }

    private ReadOnlySpan<char> Value(LocationResponse response, int slot) =>
        slot == EntitySlot ? response.Presence!.Entity : response.LocationUris[slot].AsSpan(_uriPrefixes[slot].Length);

    private static bool Spliceable(LocationResponse response)
    {
        if (response.Presence is { } presence && !IsVerbatim(presence.Entity, allowSlash: true)) return false;
        foreach (var uri in response.LocationUris)
        {
            if (uri is null) return false;
            var token = uri.AsSpan(uri.LastIndexOf('/') + 1);
            if (token.IsEmpty || !IsVerbatim(token, allowSlash: false)) return false;
        }
        return true;
    }

    /// <summary>Printable ASCII that XmlWriter writes unchanged in text and in a double-quoted attribute.</summary>
    private static bool IsVerbatim(ReadOnlySpan<char> value, bool allowSlash)
    {
        if (value.IsEmpty) return false;
        foreach (var c in value)
        {
            if (c is <= ' ' or > '~' or '"' or '\'' or '&' or '<' or '>') return false;
            if (c == '/' && !allowSlash) return false;
        }
        return true;
    }

    private static bool SameLocation(PidfLocation a, PidfLocation b) =>
        string.Equals(a.TupleId, b.TupleId, StringComparison.Ordinal) &&
        (ReferenceEquals(a.Civic, b.Civic) || Equals(a.Civic, b.Civic)) &&
        a.Point == b.Point &&
        a.UncertaintyRadiusMeters == b.UncertaintyRadiusMeters &&
        string.Equals(a.Method, b.Method, StringComparison.Ordinal) &&
        a.Timestamp == b.Timestamp &&
        a.RetentionExpiry == b.RetentionExpiry &&
        a.RetransmissionAllowed == b.RetransmissionAllowed &&
        string.Equals(a.Source, b.Source, StringComparison.Ordinal) &&
        string.Equals(a.ProvidedBy, b.ProvidedBy, StringComparison.Ordinal) &&
        SameItems(a.LocationTypesOrder, b.LocationTypesOrder);

    private static bool SameDevice(DeviceIdentity? a, DeviceIdentity? b) => SameItems(a?.Identifiers, b?.Identifiers);

    private static bool SameRouting(RoutingInformation? a, RoutingInformation? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null &&
            string.Equals(a.ServiceUri, b.ServiceUri, StringComparison.Ordinal) && a.DefaultRoute == b.DefaultRoute &&
            SameItems(a.Destinations, b.Destinations));

    /// <summary>Element-wise equality; null and empty lists are the same (the writer writes nothing for either).</summary>
    private static bool SameItems<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b)
    {
        if (ReferenceEquals(a, b)) return true;
        var count = a?.Count ?? 0;
        if (count != (b?.Count ?? 0)) return false;
        for (var i = 0; i < count; i++)
            if (!EqualityComparer<T>.Default.Equals(a![i], b![i])) return false;
        return true;
    }
}

/// <summary>
/// The templates of recent answers, in a fixed number of slots chosen by <see cref="LocationResponseTemplate.ShapeHash"/>:
/// bounded memory, no locks, and an answer that finds another location's template in its slot simply replaces it.
/// </summary>
public sealed class LocationResponseTemplates
{
    /// <summary>Slots (a power of two): templates kept at most, one per location and kind of answer.</summary>
    public const int Slots = 1024;

    private readonly LocationResponseTemplate?[] _slots = new LocationResponseTemplate?[Slots];

    /// <summary>A template <paramref name="response"/> fits, made (and kept) when there is none; null when it cannot be templated.</summary>
    public LocationResponseTemplate? For(LocationResponse response)
    {
        ref var slot = ref _slots[LocationResponseTemplate.ShapeHash(response) & (Slots - 1)];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && cached.Fits(response)) return cached;
        var created = LocationResponseTemplate.Create(response);
        if (created is not null) Volatile.Write(ref slot, created);
        return created;
    }
}
