namespace LocationServer.Core.Wiremap;

/// <summary>
/// A civic address per RFC 5139 §4. Values are tokens (whitespace collapsed); null means absent.
/// <see cref="Elements"/> yields them in the schema's fixed element order.
/// </summary>
public sealed record CivicAddress
{
    /// <summary>ISO 3166-1 alpha-2, upper case (RFC 5139 §3.3).</summary>
    public string? Country { get; init; }
    /// <summary>National subdivision (state, province) without the country part, e.g. "TX".</summary>
    public string? A1 { get; init; }
    public string? A2 { get; init; }
    /// <summary>City, township.</summary>
    public string? A3 { get; init; }
    public string? A4 { get; init; }
    public string? A5 { get; init; }
    public string? A6 { get; init; }
    public string? PRM { get; init; }
    public string? PRD { get; init; }
    /// <summary>Primary road or street (RFC 5139 §3.2: the street goes here, never in A6).</summary>
    public string? RD { get; init; }
    public string? STS { get; init; }
    public string? POD { get; init; }
    public string? POM { get; init; }
    public string? RDSEC { get; init; }
    public string? RDBR { get; init; }
    public string? RDSUBBR { get; init; }
    public string? HNO { get; init; }
    public string? HNS { get; init; }
    public string? LMK { get; init; }
    public string? LOC { get; init; }
    public string? FLR { get; init; }
    public string? NAM { get; init; }
    public string? PC { get; init; }
    public string? BLD { get; init; }
    public string? UNIT { get; init; }
    public string? ROOM { get; init; }
    public string? SEAT { get; init; }
    public string? PLC { get; init; }
    public string? PCN { get; init; }
    public string? POBOX { get; init; }
    public string? ADDCODE { get; init; }

    /// <summary>The RFC 5139 element names in schema order.</summary>
    public static readonly IReadOnlyList<string> ElementNames =
    [
        "country", "A1", "A2", "A3", "A4", "A5", "A6", "PRM", "PRD", "RD", "STS", "POD", "POM",
        "RDSEC", "RDBR", "RDSUBBR", "HNO", "HNS", "LMK", "LOC", "FLR", "NAM", "PC", "BLD", "UNIT",
        "ROOM", "SEAT", "PLC", "PCN", "POBOX", "ADDCODE",
    ];

    /// <summary>Present elements as (RFC 5139 name, value), in schema order.</summary>
    public IEnumerable<(string Name, string Value)> Elements()
    {
        for (var i = 0; i < ElementNames.Count; i++)
        {
            var value = Get(i);
            if (!string.IsNullOrEmpty(value)) yield return (ElementNames[i], value);
        }
    }

    /// <summary>Value of the element with the given RFC 5139 name (case-sensitive), or null.</summary>
    public string? this[string name]
    {
        get
        {
            for (var i = 0; i < ElementNames.Count; i++)
                if (ElementNames[i] == name) return Get(i);
            return null;
        }
    }

    /// <summary>A copy with one element set by RFC 5139 name; unknown names return false.</summary>
    public static bool TrySet(CivicAddress source, string name, string? value, out CivicAddress result)
    {
        result = source;
        if (!ElementNames.Contains(name)) return false;
        result = name switch
        {
            "country" => source with { Country = value },
            "A1" => source with { A1 = value },
            "A2" => source with { A2 = value },
            "A3" => source with { A3 = value },
            "A4" => source with { A4 = value },
            "A5" => source with { A5 = value },
            "A6" => source with { A6 = value },
            "PRM" => source with { PRM = value },
            "PRD" => source with { PRD = value },
            "RD" => source with { RD = value },
            "STS" => source with { STS = value },
            "POD" => source with { POD = value },
            "POM" => source with { POM = value },
            "RDSEC" => source with { RDSEC = value },
            "RDBR" => source with { RDBR = value },
            "RDSUBBR" => source with { RDSUBBR = value },
            "HNO" => source with { HNO = value },
            "HNS" => source with { HNS = value },
            "LMK" => source with { LMK = value },
            "LOC" => source with { LOC = value },
            "FLR" => source with { FLR = value },
            "NAM" => source with { NAM = value },
            "PC" => source with { PC = value },
            "BLD" => source with { BLD = value },
            "UNIT" => source with { UNIT = value },
            "ROOM" => source with { ROOM = value },
            "SEAT" => source with { SEAT = value },
            "PLC" => source with { PLC = value },
            "PCN" => source with { PCN = value },
            "POBOX" => source with { POBOX = value },
            "ADDCODE" => source with { ADDCODE = value },
            _ => source,
        };
        return true;
    }

    /// <summary>One line for people: "100 Congress Ave, Floor 3, Room 301, Austin, TX 78701, US".</summary>
    public string ToDisplayString()
    {
        var parts = new List<string>(8);
        var street = string.Join(' ', new[] { HNO, HNS, PRD, RD, STS, POD }.Where(s => !string.IsNullOrEmpty(s)));
        if (street.Length > 0) parts.Add(street);
        if (!string.IsNullOrEmpty(BLD)) parts.Add("Building " + BLD);
        if (!string.IsNullOrEmpty(FLR)) parts.Add("Floor " + FLR);
        if (!string.IsNullOrEmpty(UNIT)) parts.Add("Unit " + UNIT);
        if (!string.IsNullOrEmpty(ROOM)) parts.Add("Room " + ROOM);
        if (!string.IsNullOrEmpty(LOC)) parts.Add(LOC);
        if (!string.IsNullOrEmpty(A3)) parts.Add(A3);
        var region = string.Join(' ', new[] { A1, PC }.Where(s => !string.IsNullOrEmpty(s)));
        if (region.Length > 0) parts.Add(region);
        if (!string.IsNullOrEmpty(Country)) parts.Add(Country);
        return string.Join(", ", parts);
    }

    private string? Get(int index) => index switch
    {
        0 => Country,
        1 => A1,
        2 => A2,
        3 => A3,
        4 => A4,
        5 => A5,
        6 => A6,
        7 => PRM,
        8 => PRD,
        9 => RD,
        10 => STS,
        11 => POD,
        12 => POM,
        13 => RDSEC,
        14 => RDBR,
        15 => RDSUBBR,
        16 => HNO,
        17 => HNS,
        18 => LMK,
        19 => LOC,
        20 => FLR,
        21 => NAM,
        22 => PC,
        23 => BLD,
        24 => UNIT,
        25 => ROOM,
        26 => SEAT,
        27 => PLC,
        28 => PCN,
        29 => POBOX,
        30 => ADDCODE,
        _ => null,
    };
}
