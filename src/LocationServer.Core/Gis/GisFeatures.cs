using NetTopologySuite.Geometries;

namespace LocationServer.Core.Gis;

/// <summary>The parity of a centerline side's address range (NENA Parity domain: O, E, B, Z).</summary>
public enum Parity : byte
{
    /// <summary>B: odd and even numbers.</summary>
    Both,
    /// <summary>O: odd numbers only.</summary>
    Odd,
    /// <summary>E: even numbers only.</summary>
    Even,
    /// <summary>Z: no addresses (range 0-0).</summary>
    None,
}

/// <summary>A complete street name in the NENA elements (St_PreDir, St_PreTyp, St_Name, St_PosTyp, St_PosDir).</summary>
public sealed record StreetName(string? PreDirectional, string? PreType, string Name, string? PostType, string? PostDirectional)
{
    /// <summary>The normalised matching key, e.g. "N MAIN ST" (see <see cref="StreetNames"/>).</summary>
    public string Key => StreetNames.StreetKey(PreDirectional, PreType, Name, PostType, PostDirectional);

    /// <summary>The name as written in the data, e.g. "North Main Street".</summary>
    public override string ToString() =>
        string.Join(' ', new[] { PreDirectional, PreType, Name, PostType, PostDirectional }.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p!.Trim()));
}

/// <summary>The administrative and postal names of one side of a road or of an address point (NENA A1..A5, Post_Code, Post_Comm, MSAGComm, ESN).</summary>
public sealed record AreaNames(string? Country, string? A1, string? A2, string? A3, string? PostalCommunity = null, string? MsagCommunity = null, string? PostCode = null, string? Esn = null);

/// <summary>A SiteStructureAddressPoint feature (NENA-STA-006.3): an addressed place with its point (WGS 84).</summary>
public sealed record AddressPointFeature(string Id, StreetName Street, int Number, string? NumberSuffix, AreaNames Area, double Longitude, double Latitude);

/// <summary>One side of a RoadCenterLine: its address range (FromAddr/ToAddr, relative to the line's first vertex), parity and areas.</summary>
public sealed record CenterlineSide(int From, int To, Parity Parity, AreaNames Area)
{
    /// <summary>True when the side holds addresses at all.</summary>
    public bool HasAddresses => Parity != Parity.None && (From != 0 || To != 0);

    /// <summary>True when <paramref name="number"/> lies in the range and has the side's parity.</summary>
    public bool Contains(int number)
    {
        if (!HasAddresses) return false;
        var low = Math.Min(From, To);
        var high = Math.Max(From, To);
        if (number < low || number > high) return false;
        return Parity switch
        {
            Parity.Odd => (number & 1) == 1,
            Parity.Even => (number & 1) == 0,
            _ => true,
        };
    }
}

/// <summary>
/// A RoadCenterLine feature with left and right address ranges (sides as seen travelling from the first vertex to the
/// last). <see cref="Line"/> is null for a legacy MSAG range, which validates but cannot place a point.
/// </summary>
public sealed record CenterlineFeature(string Id, StreetName Street, CenterlineSide Left, CenterlineSide Right, LineString? Line);

/// <summary>Which boundary layer a polygon comes from.</summary>
public enum ServiceAreaKind
{
    /// <summary>PsapPolygon: the PSAP answering emergency calls there (urn:service:sos).</summary>
    Psap,
    /// <summary>PolicePolygon (urn:service:sos.police).</summary>
    Police,
    /// <summary>FirePolygon (urn:service:sos.fire).</summary>
    Fire,
    /// <summary>EmsPolygon (urn:service:sos.ambulance).</summary>
    Ems,
    A1,
    A2,
    A3,
    A4,
    A5,
}

/// <summary>
/// A boundary polygon: a PSAP or responder service area (Agency_ID, ServiceURI, ServiceURN, DsplayName) or an
/// administrative area A1..A5 (whose <see cref="Name"/> is the area's own value, e.g. the municipality for A3).
/// </summary>
public sealed record ServiceArea(ServiceAreaKind Kind, string Id, string Name, string? Uri, string? ServiceUrn, AreaNames? Area, Geometry Polygon);

/// <summary>One feature the loader could not use, or used with a caveat, named by layer and feature id.</summary>
public sealed record GisProblem(string Layer, string? FeatureId, string Message, bool Skipped = true)
{
    public override string ToString() => $"{Layer} {FeatureId ?? "(no id)"}: {Message}{(Skipped ? "" : " (kept)")}";
}
