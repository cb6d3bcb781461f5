using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Gis;

/// <summary>The outcome of validating a civic address against the GIS data (RFC 5222 §8.4.2 vocabulary).</summary>
public enum AddressValidity
{
    /// <summary>No data covers the area (country, state or community not in the data set).</summary>
    Unchecked,
    /// <summary>Matches an address point, or a centerline range on the right parity side, in the right community.</summary>
    Valid,
    /// <summary>The data covers the area but an element does not match (see <see cref="AddressCheck.Invalid"/>).</summary>
    Invalid,
}

/// <summary>Where a geocoded point came from.</summary>
public enum GeocodeSource
{
    /// <summary>No point.</summary>
    None,
    /// <summary>The address point's own location.</summary>
    AddressPoint,
    /// <summary>Interpolated along the centerline segment and set off the road on the address's side.</summary>
    Interpolated,
}

/// <summary>The civic elements the validator checks (RFC 5139 names).</summary>
[Flags]
public enum CivicElements
{
    None = 0,
    Country = 1 << 0,
    A1 = 1 << 1,
    A2 = 1 << 2,
    A3 = 1 << 3,
    PRD = 1 << 4,
    RD = 1 << 5,
    STS = 1 << 6,
    POD = 1 << 7,
    HNO = 1 << 8,
    HNS = 1 << 9,
    PC = 1 << 10,
}

/// <summary>
/// The answer of <see cref="GisIndex.Validate"/>: validity, which checked elements matched and which did not, the
/// point (for a valid address the data can place), a message naming what is wrong and, when one candidate is close,
/// a suggestion. Present elements in neither set are unchecked.
/// </summary>
public readonly record struct AddressCheck(
    AddressValidity Validity,
    CivicElements Valid,
    CivicElements Invalid,
    GeoPoint? Point,
    GeocodeSource Source,
    string? Message,
    string? Suggestion)
{
    /// <summary>RFC 5139 element names of the flags, in schema order.</summary>
    public static IReadOnlyList<(CivicElements Flag, string Name)> ElementNames { get; } =
    [
        (CivicElements.Country, "country"), (CivicElements.A1, "A1"), (CivicElements.A2, "A2"), (CivicElements.A3, "A3"),
        (CivicElements.PRD, "PRD"), (CivicElements.RD, "RD"), (CivicElements.STS, "STS"), (CivicElements.POD, "POD"),
        (CivicElements.HNO, "HNO"), (CivicElements.HNS, "HNS"), (CivicElements.PC, "PC"),
    ];

    /// <summary>An unchecked answer with a reason.</summary>
    public static AddressCheck Unchecked(string message) => new(AddressValidity.Unchecked, CivicElements.None, CivicElements.None, null, GeocodeSource.None, message, null);

    /// <summary>Names of the flags set in <paramref name="elements"/>, in schema order.</summary>
    public static IEnumerable<string> Names(CivicElements elements)
    {
        foreach (var (flag, name) in ElementNames)
            if ((elements & flag) != 0) yield return name;
    }

    /// <summary>
    /// Present elements of <paramref name="civic"/> in neither <see cref="Valid"/> nor <see cref="Invalid"/>
    /// (RFC 5139 names, schema order).
    /// </summary>
    public IEnumerable<string> UncheckedNames(CivicAddress civic)
    {
        ArgumentNullException.ThrowIfNull(civic);
        var decided = Valid | Invalid;
        foreach (var (name, _) in civic.Elements())
        {
            var flag = ElementNames.FirstOrDefault(e => e.Name == name).Flag;
            if (flag == CivicElements.None || (decided & flag) == 0) yield return name;
        }
    }
}
