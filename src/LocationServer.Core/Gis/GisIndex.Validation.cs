using System.Globalization;
using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Gis;

public sealed partial class GisIndex
{
    private const double MetresPerDegree = 111_320;

    /// <summary>
    /// Validates and geocodes a civic address (the LVF): <see cref="AddressValidity.Valid"/> with a point when it
    /// matches an address point (its location) or a centerline range on the right parity side (interpolated, set
    /// <see cref="OffsetMetres"/> off the road on that side); <see cref="AddressValidity.Invalid"/> naming the
    /// elements that do not match; <see cref="AddressValidity.Unchecked"/> when no data covers the area. A valid
    /// address costs two hash lookups and a binary search, and allocates nothing.
    /// </summary>
    public AddressCheck Validate(CivicAddress civic)
    {
        ArgumentNullException.ThrowIfNull(civic);
        if (_communities.Count == 0) return AddressCheck.Unchecked("No GIS data is loaded.");
        var valid = CivicElements.None;
        if (!string.IsNullOrWhiteSpace(civic.Country))
        {
            if (!CoversCountry(civic.Country)) return AddressCheck.Unchecked("The GIS data does not cover this country.");
            valid |= CivicElements.Country;
        }

        Span<char> a1 = stackalloc char[StreetNames.MaxKeyLength];
        var a1Length = StreetNames.CommunityKey(a1, civic.A1);
        if (a1Length < 0) return AddressCheck.Unchecked("The state (A1) is too long.");
        if (a1Length > 0)
        {
            if (!CoversA1(a1[..a1Length])) return AddressCheck.Unchecked("The GIS data does not cover this state (A1).");
            valid |= CivicElements.A1;
        }

        Span<char> a3 = stackalloc char[StreetNames.MaxKeyLength];
        var a3Length = StreetNames.CommunityKey(a3, civic.A3);
        if (a3Length <= 0)
        {
            if (a1Length == 0) return AddressCheck.Unchecked("Neither the state (A1) nor the community (A3) is given.");
            return Invalid(valid, CivicElements.A3, "The community (A3) is missing.", null);
        }
        var community = FindCommunity(a1[..a1Length], a3[..a3Length]);
        if (community is null)
        {
            if (a1Length == 0) return AddressCheck.Unchecked("The community (A3) is not in the GIS data and no state (A1) is given.");
            var suggestion = SuggestCommunity(civic, new string(a1[..a1Length]));
            return Invalid(valid, CivicElements.A3, $"The community (A3) '{civic.A3}' is not known in {civic.A1}.", suggestion);
        }
        valid |= CivicElements.A3;
        // A2 (county) is left unchecked: a community may straddle a county line (the data's A2 is per side of a road).

        if (string.IsNullOrWhiteSpace(civic.RD)) return Invalid(valid, CivicElements.RD, "The street (RD) is missing.", null);
        Span<char> streetKey = stackalloc char[StreetNames.MaxKeyLength];
        var streetLength = StreetNames.StreetKey(streetKey, civic.PRD, null, civic.RD, civic.STS, civic.POD);
        var street = streetLength > 0 ? community.Find(streetKey[..streetLength]) : null;
        if (street is null) return DiagnoseStreet(civic, community, valid);
        valid |= CivicElements.RD;
        if (!string.IsNullOrWhiteSpace(civic.PRD)) valid |= CivicElements.PRD;
        if (!string.IsNullOrWhiteSpace(civic.STS)) valid |= CivicElements.STS;
        if (!string.IsNullOrWhiteSpace(civic.POD)) valid |= CivicElements.POD;

        if (!TryParseHouseNumber(civic.HNO, out var number, out var inlineSuffix))
            return Invalid(valid, CivicElements.HNO, string.IsNullOrWhiteSpace(civic.HNO) ? "The house number (HNO) is missing." : $"The house number (HNO) '{civic.HNO}' is not a number.", null);
        var suffix = string.IsNullOrWhiteSpace(civic.HNS) ? inlineSuffix : civic.HNS.AsSpan().Trim();

        var pointIndex = street.FindPoint(number, suffix);
        if (pointIndex >= 0)
        {
            valid |= CivicElements.HNO;
            if (!suffix.IsEmpty) valid |= CivicElements.HNS;
            var postCode = street.PostCodes?[pointIndex];
            if (CheckPostCode(civic, postCode, ref valid) is { } wrongPostCode) return wrongPostCode;
            return new AddressCheck(AddressValidity.Valid, valid, CivicElements.None,
                new GeoPoint(street.Coordinates[(2 * pointIndex) + 1], street.Coordinates[2 * pointIndex]), GeocodeSource.AddressPoint, null, null);
        }

        foreach (var segment in street.Segments)
        {
            var onRight = (segment.Sides & SideMask.Right) != 0 && RangeContains(segment.FromRight, segment.ToRight, segment.ParityRight, number);
            var onLeft = !onRight && (segment.Sides & SideMask.Left) != 0 && RangeContains(segment.FromLeft, segment.ToLeft, segment.ParityLeft, number);
            if (!onRight && !onLeft) continue;
            valid |= CivicElements.HNO;
            if (CheckPostCode(civic, onRight ? segment.PostCodeRight : segment.PostCodeLeft, ref valid) is { } wrongPostCode) return wrongPostCode;
            GeoPoint? point = null;
            if (segment.Coordinates is { } line)
            {
                point = onRight
                    ? Interpolate(line, segment.FromRight, segment.ToRight, number, right: true, OffsetMetres)
                    : Interpolate(line, segment.FromLeft, segment.ToLeft, number, right: false, OffsetMetres);
            }
            return new AddressCheck(AddressValidity.Valid, valid, CivicElements.None, point,
                point is null ? GeocodeSource.None : GeocodeSource.Interpolated, null, null);
        }

        var (low, high) = street.NumberSpan();
        var hint = low > 0 ? $"Numbers on {street.Name} in {community.Display} run from {low} to {high}." : null;
        return Invalid(valid, CivicElements.HNO, $"The house number (HNO) {number} does not exist on {street.Name} in {community.Display}.", hint);
    }

    /// <summary>The point a valid address places, with <see cref="Validate"/>'s rules; null otherwise.</summary>
    public GeoPoint? Geocode(CivicAddress civic) => Validate(civic) is { Validity: AddressValidity.Valid, Point: { } point } ? point : null;

    private static AddressCheck Invalid(CivicElements valid, CivicElements invalid, string message, string? suggestion) =>
        new(AddressValidity.Invalid, valid, invalid, null, GeocodeSource.None,
            suggestion is null ? message : $"{message} Did you mean '{suggestion}'?", suggestion);

    private static AddressCheck? CheckPostCode(CivicAddress civic, string? expected, ref CivicElements valid)
    {
        if (string.IsNullOrWhiteSpace(civic.PC) || expected is null) return null;
        // ZIP+4 in the request matches the five-digit code of the data.
        var given = civic.PC.AsSpan().Trim();
        if (given.StartsWith(expected, StringComparison.OrdinalIgnoreCase) && (given.Length == expected.Length || given[expected.Length] == '-'))
        {
            valid |= CivicElements.PC;
            return null;
        }
        return Invalid(valid, CivicElements.PC, $"The postal code (PC) '{civic.PC}' does not match this address.", expected);
    }

    private AddressCheck DiagnoseStreet(CivicAddress civic, Community community, CivicElements valid)
    {
        var name = StreetNames.StreetKey(null, null, civic.RD, null, null);
        // The name exists with other types or directionals: name the element that differs.
        var sameName = community.Streets.Values.Where(s => StreetNames.StreetKey(null, null, s.Name.Name, null, null) == name ||
            StreetNames.StreetKey(null, s.Name.PreType, s.Name.Name, null, null) == name).ToList();
        if (sameName.Count > 0)
        {
            var best = sameName[0];
            var wrong = CivicElements.None;
            if (!SameWord(civic.PRD, best.Name.PreDirectional)) wrong |= CivicElements.PRD;
            if (!SameWord(civic.STS, best.Name.PostType)) wrong |= CivicElements.STS;
            if (!SameWord(civic.POD, best.Name.PostDirectional)) wrong |= CivicElements.POD;
            if (wrong == CivicElements.None) wrong = CivicElements.RD;
            else valid |= CivicElements.RD;
            var names = string.Join(", ", AddressCheck.Names(wrong));
            return Invalid(valid, wrong, $"The street '{StreetDisplay(civic)}' is not known in {community.Display}; {names} do{(wrong is CivicElements.PRD or CivicElements.STS or CivicElements.POD ? "es" : "")} not match.",
                best.Name.ToString());
        }
        // The street is in another community of the same state.
        var streetKey = StreetNames.StreetKey(civic.PRD, null, civic.RD, civic.STS, civic.POD);
        var elsewhere = Communities.Distinct().FirstOrDefault(c => c != community && c.A1 == community.A1 && c.Streets.ContainsKey(streetKey));
        var closest = Closest(community.Streets.Values.Select(s => (s.Name.ToString(), s.Key)), streetKey);
        var suggestion = closest ?? (elsewhere is null ? null : $"{StreetDisplay(civic)}, {elsewhere.Display}");
        return Invalid(valid, CivicElements.RD, $"The street (RD) '{StreetDisplay(civic)}' is not known in {community.Display}.", suggestion);
    }

    private string? SuggestCommunity(CivicAddress civic, string a1Key) =>
        Closest(Communities.Where(c => c.Key.StartsWith(a1Key + KeySeparator, StringComparison.Ordinal)).Distinct()
            .Select(c => (c.Display, c.Key[(c.Key.IndexOf(KeySeparator, StringComparison.Ordinal) + 1)..])), StreetNames.CommunityKey(civic.A3));

    private static string StreetDisplay(CivicAddress civic) =>
        string.Join(' ', new[] { civic.PRD, civic.RD, civic.STS, civic.POD }.Where(p => !string.IsNullOrWhiteSpace(p)));

    private static bool SameWord(string? given, string? expected) =>
        StreetNames.StreetKey(null, null, given, null, null) == StreetNames.StreetKey(null, null, expected, null, null);

    /// <summary>The candidate within a third of the length in edits (at least 1, at most 3), when exactly one is closest.</summary>
    private static string? Closest(IEnumerable<(string Display, string Key)> candidates, string target)
    {
        var limit = Math.Clamp(target.Length / 3, 1, 3);
        string? best = null;
        var bestDistance = int.MaxValue;
        var tie = false;
        foreach (var (candidate, key) in candidates)
        {
            var distance = EditDistance(key, target, limit);
            if (distance > limit) continue;
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
                tie = false;
            }
            else if (distance == bestDistance && candidate != best)
            {
                tie = true;
            }
        }
        return tie ? null : best;
    }

    private static int EditDistance(string a, string b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) > limit) return limit + 1;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private static bool RangeContains(int from, int to, Parity parity, int number)
    {
        if (parity == Parity.None || (from == 0 && to == 0)) return false;
        var low = Math.Min(from, to);
        var high = Math.Max(from, to);
        if (number < low || number > high) return false;
        return parity switch
        {
            Parity.Odd => (number & 1) == 1,
            Parity.Even => (number & 1) == 0,
            _ => true,
        };
    }

    /// <summary>"123", "123A", "123 1/2": the leading digits are the number, the rest (trimmed) the suffix.</summary>
    internal static bool TryParseHouseNumber(string? text, out int number, out ReadOnlySpan<char> suffix)
    {
        number = 0;
        suffix = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var span = text.AsSpan().Trim();
        var digits = 0;
        while (digits < span.Length && char.IsAsciiDigit(span[digits])) digits++;
        if (digits == 0 || digits > 9) return false;
        number = int.Parse(span[..digits], NumberStyles.None, CultureInfo.InvariantCulture);
        suffix = span[digits..].Trim();
        return number > 0;
    }

    /// <summary>
    /// The point at the address's share of the range along the line (planar in local metres), moved
    /// <paramref name="offset"/> metres to the right or left of the direction of travel.
    /// </summary>
    internal static GeoPoint Interpolate(double[] line, int from, int to, int number, bool right, double offset)
    {
        var fraction = from == to ? 0.5 : Math.Clamp((number - (double)from) / (to - from), 0, 1);
        var vertices = line.Length / 2;
        var scale = Math.Cos(line[1] * Math.PI / 180);
        var total = 0.0;
        for (var i = 1; i < vertices; i++) total += Distance(line, i - 1, i, scale);
        var wanted = total * fraction;
        var walked = 0.0;
        for (var i = 1; i < vertices; i++)
        {
            var length = Distance(line, i - 1, i, scale);
            if (walked + length >= wanted || i == vertices - 1)
            {
                var t = length == 0 ? 0 : Math.Clamp((wanted - walked) / length, 0, 1);
                var x0 = line[2 * (i - 1)];
                var y0 = line[(2 * (i - 1)) + 1];
                var dx = (line[2 * i] - x0) * scale;
                var dy = line[(2 * i) + 1] - y0;
                var norm = Math.Sqrt((dx * dx) + (dy * dy));
                var lon = x0 + (t * (line[2 * i] - x0));
                var lat = y0 + (t * dy);
                if (norm > 0)
                {
                    // The right-hand normal of (dx, dy) is (dy, -dx).
                    var sign = right ? 1 : -1;
                    var offsetDegrees = offset / MetresPerDegree;
                    lon += sign * (dy / norm) * offsetDegrees / scale;
                    lat += sign * (-dx / norm) * offsetDegrees;
                }
                return new GeoPoint(lat, lon);
            }
            walked += length;
        }
        return new GeoPoint(line[1], line[0]);
    }

    private static double Distance(double[] line, int a, int b, double scale)
    {
        var dx = (line[2 * b] - line[2 * a]) * scale;
        var dy = line[(2 * b) + 1] - line[(2 * a) + 1];
        return Math.Sqrt((dx * dx) + (dy * dy));
    }
}

/// <summary>Which sides of a segment lie in the community it is filed under.</summary>
[Flags]
internal enum SideMask : byte
{
    Left = 1,
    Right = 2,
    Both = Left | Right,
}

/// <summary>A centerline segment (or MSAG range, without coordinates) of one street in one community.</summary>
internal sealed record Segment(
    string Id, int FromLeft, int ToLeft, Parity ParityLeft, int FromRight, int ToRight, Parity ParityRight, SideMask Sides,
    string? PostCodeLeft, string? PostCodeRight, double[]? Coordinates);

/// <summary>A community (A1 + A3) and its streets.</summary>
internal sealed class Community
{
    private readonly Dictionary<string, Street>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public Community(string key, string display, string? a1, string? a2, string? country, Dictionary<string, Street> streets)
    {
        Key = key;
        Display = a1 is null ? display : $"{display}, {a1}";
        A1 = a1;
        A2 = a2;
        Country = country;
        Streets = streets;
        _lookup = streets.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Key { get; }
    public string Display { get; }
    public string? A1 { get; }
    public string? A2 { get; }
    public string? Country { get; }
    public Dictionary<string, Street> Streets { get; }

    public Street? Find(ReadOnlySpan<char> key) => _lookup.TryGetValue(key, out var street) ? street : null;
}

/// <summary>A street in one community: address points sorted by number (coordinates interleaved lon, lat) and segments.</summary>
internal sealed class Street(string key, StreetName name, int[] numbers, string?[]? suffixes, double[] coordinates, string?[]? postCodes, Segment[] segments)
{
    public string Key { get; } = key;
    public StreetName Name { get; } = name;
    public int[] Numbers { get; } = numbers;
    public string?[]? Suffixes { get; } = suffixes;
    public double[] Coordinates { get; } = coordinates;
    public string?[]? PostCodes { get; } = postCodes;
    public Segment[] Segments { get; } = segments;

    /// <summary>The index of the point with this number and suffix (no suffix given: the one without, else the first); -1 if none.</summary>
    public int FindPoint(int number, ReadOnlySpan<char> suffix)
    {
        var i = Array.BinarySearch(Numbers, number);
        if (i < 0) return -1;
        while (i > 0 && Numbers[i - 1] == number) i--;
        var first = i;
        for (; i < Numbers.Length && Numbers[i] == number; i++)
        {
            var own = Suffixes?[i];
            if (suffix.IsEmpty ? own is null : own is not null && suffix.Equals(own, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return suffix.IsEmpty ? first : -1;
    }

    public (int Low, int High) NumberSpan()
    {
        var low = Numbers.Length > 0 ? Numbers[0] : int.MaxValue;
        var high = Numbers.Length > 0 ? Numbers[^1] : 0;
        foreach (var s in Segments)
        {
            foreach (var n in (ReadOnlySpan<int>)[s.FromLeft, s.ToLeft, s.FromRight, s.ToRight])
            {
                if (n <= 0) continue;
                low = Math.Min(low, n);
                high = Math.Max(high, n);
            }
        }
        return low == int.MaxValue ? (0, 0) : (low, high);
    }
}
