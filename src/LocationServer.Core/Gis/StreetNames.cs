using System.Collections.Frozen;
using System.Reflection;

namespace LocationServer.Core.Gis;

/// <summary>
/// Street and community name normalisation for matching civic addresses against the authority's GIS data: words are
/// upper-cased, punctuation dropped, and street types and directionals replaced by their USPS Publication 28
/// abbreviations (Appendix C1 suffixes, C2 directionals), so "North Main Street", "N. Main St" and
/// <c>St_PreDir=North, St_Name=Main, St_PosTyp=Street</c> all become <c>N MAIN ST</c>. The same function is applied to
/// the GIS features and to the address being checked, so a word that is both a name and a type (Park, Lake) matches
/// either way. Normalisation writes into a caller's buffer and never allocates.
/// </summary>
public static class StreetNames
{
    /// <summary>Longest normalised key accepted (characters); longer input is not matched.</summary>
    public const int MaxKeyLength = 256;

    // USPS Publication 28, Appendix C1 (street suffixes), abbreviated: the standard abbreviation, then the primary
    // name and the common variants Publication 28 lists for it. Types of the NENA StreetNameType domain that are
    // not Publication 28 suffixes are kept as upper-cased words.
    private const string SuffixTable =
        "ALY:ALLEY,ALLEE,ALLY|ANX:ANNEX,ANEX,ANNX|ARC:ARCADE|AVE:AVENUE,AV,AVEN,AVENU,AVN,AVNUE|BYU:BAYOU,BAYOO|" +
        "BCH:BEACH|BND:BEND|BLF:BLUFF,BLUF|BLFS:BLUFFS|BTM:BOTTOM,BOT,BOTTM|BLVD:BOULEVARD,BOUL,BOULV|BR:BRANCH,BRNCH|" +
        "BRG:BRIDGE,BRDGE|BRK:BROOK|BRKS:BROOKS|BG:BURG|BGS:BURGS|BYP:BYPASS,BYPA,BYPAS,BYPS|CP:CAMP,CMP|CYN:CANYON,CANYN,CNYN|" +
        "CPE:CAPE|CSWY:CAUSEWAY,CAUSWA|CTR:CENTER,CEN,CENT,CENTR,CENTRE,CNTER,CNTR|CTRS:CENTERS|CIR:CIRCLE,CIRC,CIRCL,CRCL,CRCLE|" +
        "CIRS:CIRCLES|CLF:CLIFF|CLFS:CLIFFS|CLB:CLUB|CMN:COMMON|CMNS:COMMONS|COR:CORNER|CORS:CORNERS|CRSE:COURSE|CT:COURT|" +
        "CTS:COURTS|CV:COVE|CVS:COVES|CRK:CREEK|CRES:CRESCENT,CRSENT,CRSNT|CRST:CREST|XING:CROSSING,CRSSNG|XRD:CROSSROAD|" +
        "XRDS:CROSSROADS|CURV:CURVE|DL:DALE|DM:DAM|DV:DIVIDE,DIV,DVD|DR:DRIVE,DRIV,DRV|DRS:DRIVES|EST:ESTATE|ESTS:ESTATES|" +
        "EXPY:EXPRESSWAY,EXP,EXPR,EXPRESS,EXPW|EXT:EXTENSION,EXTN,EXTNSN|EXTS:EXTENSIONS|FALL:FALL|FLS:FALLS|FRY:FERRY,FRRY|" +
        "FLD:FIELD|FLDS:FIELDS|FLT:FLAT|FLTS:FLATS|FRD:FORD|FRDS:FORDS|FRST:FOREST,FORESTS|FRG:FORGE,FORG|FRGS:FORGES|" +
        "FRK:FORK|FRKS:FORKS|FT:FORT,FRT|FWY:FREEWAY,FREEWY,FRWAY,FRWY|GDN:GARDEN,GARDN,GRDEN,GRDN|GDNS:GARDENS,GRDNS|" +
        "GTWY:GATEWAY,GATEWY,GATWAY,GTWAY|GLN:GLEN|GLNS:GLENS|GRN:GREEN|GRNS:GREENS|GRV:GROVE,GROV|GRVS:GROVES|HBR:HARBOR,HARB,HARBR,HRBOR|" +
        "HBRS:HARBORS|HVN:HAVEN|HTS:HEIGHTS,HT|HWY:HIGHWAY,HIGHWY,HIWAY,HIWY,HWAY|HL:HILL|HLS:HILLS|HOLW:HOLLOW,HLLW,HOLLOWS,HOLWS|" +
        "INLT:INLET|IS:ISLAND,ISLND|ISS:ISLANDS,ISLNDS|ISLE:ISLE,ISLES|JCT:JUNCTION,JCTION,JCTN,JUNCTN,JUNCTON|JCTS:JUNCTIONS|" +
        "KY:KEY|KYS:KEYS|KNL:KNOLL,KNOL|KNLS:KNOLLS|LK:LAKE|LKS:LAKES|LAND:LAND|LNDG:LANDING,LNDNG|LN:LANE|LGT:LIGHT|LGTS:LIGHTS|" +
        "LF:LOAF|LCK:LOCK|LCKS:LOCKS|LDG:LODGE,LDGE,LODG|LOOP:LOOP,LOOPS|MALL:MALL|MNR:MANOR|MNRS:MANORS|MDW:MEADOW|MDWS:MEADOWS,MEDOWS|" +
        "MEWS:MEWS|ML:MILL|MLS:MILLS|MSN:MISSION,MISSN,MSSN|MTWY:MOTORWAY|MT:MOUNT,MNT|MTN:MOUNTAIN,MNTAIN,MNTN,MOUNTIN,MTIN|" +
        "MTNS:MOUNTAINS|NCK:NECK|ORCH:ORCHARD,ORCHRD|OVAL:OVAL,OVL|OPAS:OVERPASS|PARK:PARK,PRK,PARKS|PKWY:PARKWAY,PARKWY,PKWAY,PKY,PARKWAYS,PKWYS|" +
        "PASS:PASS|PSGE:PASSAGE|PATH:PATH,PATHS|PIKE:PIKE,PIKES|PNE:PINE|PNES:PINES|PL:PLACE|PLN:PLAIN|PLNS:PLAINS|PLZ:PLAZA,PLZA|" +
        "PT:POINT|PTS:POINTS|PRT:PORT|PRTS:PORTS|PR:PRAIRIE,PRR|RADL:RADIAL,RAD,RADIEL|RAMP:RAMP|RNCH:RANCH,RANCHES,RNCHS|" +
        "RPD:RAPID|RPDS:RAPIDS|RST:REST|RDG:RIDGE,RDGE|RDGS:RIDGES|RIV:RIVER,RVR,RIVR|RD:ROAD|RDS:ROADS|RTE:ROUTE|ROW:ROW|RUE:RUE|" +
        "RUN:RUN|SHL:SHOAL|SHLS:SHOALS|SHR:SHORE,SHOAR|SHRS:SHORES,SHOARS|SKWY:SKYWAY|SPG:SPRING,SPNG,SPRNG|SPGS:SPRINGS,SPNGS,SPRNGS|" +
        "SPUR:SPUR,SPURS|SQ:SQUARE,SQR,SQRE,SQU|SQS:SQUARES,SQRS|STA:STATION,STATN,STN|STRA:STRAVENUE,STRAV,STRAVEN,STRAVN,STRVN,STRVNUE|" +
        "STRM:STREAM,STREME|ST:STREET,STRT,STR|STS:STREETS|SMT:SUMMIT,SUMIT,SUMITT|TER:TERRACE,TERR|TRWY:THROUGHWAY|" +
        "TRCE:TRACE,TRACES|TRAK:TRACK,TRACKS,TRK,TRKS|TRFY:TRAFFICWAY|TRL:TRAIL,TRAILS,TRLS|TRLR:TRAILER,TRLRS|TUNL:TUNNEL,TUNEL,TUNLS,TUNNELS,TUNNL|" +
        "TPKE:TURNPIKE,TRNPK,TURNPK|UPAS:UNDERPASS|UN:UNION|UNS:UNIONS|VLY:VALLEY,VALLY,VLLY|VLYS:VALLEYS|VIA:VIADUCT,VDCT,VIADCT|" +
        "VW:VIEW|VWS:VIEWS|VLG:VILLAGE,VILL,VILLAG,VILLG,VILLIAGE|VLGS:VILLAGES|VL:VILLE|VIS:VISTA,VIST,VST,VSTA|WALK:WALK,WALKS|" +
        "WALL:WALL|WAY:WAY,WY|WAYS:WAYS|WL:WELL|WLS:WELLS";

    // Publication 28, Appendix C2 (directionals), with the Spanish and French words of the NENA directional domain
    // (French "Est" is left out: Publication 28 gives EST to Estate).
    private const string DirectionalTable =
        "N:NORTH,NORTE,NORD|S:SOUTH,SUR,SUD|E:EAST,ESTE|W:WEST,OESTE,OUEST|NE:NORTHEAST,NORESTE,NORD-EST|" +
        "NW:NORTHWEST,NOROESTE,NORD-OUEST|SE:SOUTHEAST,SURESTE,SUD-EST|SW:SOUTHWEST,SUROESTE,SUD-OUEST";

    private static readonly FrozenDictionary<string, string> Words = BuildWords();
    private static readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> WordLookup =
        Words.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly FrozenSet<string> DirectionalAbbreviations = DirectionalTable.Split('|').Select(e => e[..e.IndexOf(':', StringComparison.Ordinal)]).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The values of the NENA StreetNameType domain (NENA-STA-006.3 template), case-insensitive.</summary>
    public static FrozenSet<string> StreetNameTypes { get; } = LoadStreetNameTypes();

    /// <summary>True when <paramref name="value"/> is a street type of the NENA domain or a Publication 28 suffix or variant.</summary>
    public static bool IsStreetType(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return false;
        var trimmed = value.Trim().TrimEnd('.');
        return StreetNameTypes.Contains(trimmed) || (Words.TryGetValue(trimmed, out var abbreviation) && !DirectionalAbbreviations.Contains(abbreviation));
    }

    /// <summary>True when <paramref name="value"/> is a directional word or abbreviation.</summary>
    public static bool IsDirectional(string? value) =>
        !string.IsNullOrWhiteSpace(value) && Words.TryGetValue(value.Trim().TrimEnd('.'), out var abbreviation) && DirectionalAbbreviations.Contains(abbreviation);

    /// <summary>
    /// Appends the normalised words of <paramref name="text"/> to <paramref name="destination"/> at
    /// <paramref name="length"/>, separated by single spaces. Returns false when the buffer is too small.
    /// </summary>
    public static bool Append(ReadOnlySpan<char> text, Span<char> destination, ref int length, bool abbreviate = true)
    {
        Span<char> word = stackalloc char[64];
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && IsSeparator(text[i])) i++;
            var start = i;
            while (i < text.Length && !IsSeparator(text[i])) i++;
            if (i == start) break;
            var token = text[start..i];
            var letters = 0;
            if (token.Length > word.Length) return false;
            foreach (var c in token)
            {
                if (c is '.' or '\'' or '’') continue;
                word[letters++] = char.ToUpperInvariant(c);
            }
            if (letters == 0) continue;
            ReadOnlySpan<char> output = word[..letters];
            if (abbreviate && WordLookup.TryGetValue(output, out var abbreviation)) output = abbreviation;
            var needed = output.Length + (length > 0 ? 1 : 0);
            if (length + needed > destination.Length) return false;
            if (length > 0) destination[length++] = ' ';
            output.CopyTo(destination[length..]);
            length += output.Length;
        }
        return true;
    }

    /// <summary>The normalised key of a complete street name (directionals, types and name in order).</summary>
    public static int StreetKey(Span<char> destination, string? preDirectional, string? preType, string? name, string? postType, string? postDirectional)
    {
        var length = 0;
        if (!Append(preDirectional, destination, ref length) || !Append(preType, destination, ref length) || !Append(name, destination, ref length) ||
            !Append(postType, destination, ref length) || !Append(postDirectional, destination, ref length))
            return -1;
        return length;
    }

    /// <summary>The normalised key of a community (municipality, postal community): upper-cased words, no abbreviation.</summary>
    public static int CommunityKey(Span<char> destination, string? community)
    {
        var length = 0;
        return Append(community, destination, ref length, abbreviate: false) ? length : -1;
    }

    /// <summary>Allocating form of <see cref="StreetKey"/> for building indexes and tests.</summary>
    public static string StreetKey(string? preDirectional, string? preType, string? name, string? postType, string? postDirectional)
    {
        Span<char> buffer = stackalloc char[MaxKeyLength];
        var length = StreetKey(buffer, preDirectional, preType, name, postType, postDirectional);
        return length < 0 ? "" : new string(buffer[..length]);
    }

    /// <summary>Allocating form of <see cref="CommunityKey(Span{char}, string?)"/>.</summary>
    public static string CommunityKey(string? community)
    {
        Span<char> buffer = stackalloc char[MaxKeyLength];
        var length = CommunityKey(buffer, community);
        return length < 0 ? "" : new string(buffer[..length]);
    }

    private static bool IsSeparator(char c) => char.IsWhiteSpace(c) || c == ',';

    private static FrozenDictionary<string, string> BuildWords()
    {
        var words = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var table in (string[])[SuffixTable, DirectionalTable])
        {
            foreach (var entry in table.Split('|'))
            {
                var colon = entry.IndexOf(':', StringComparison.Ordinal);
                var abbreviation = entry[..colon];
                words[abbreviation] = abbreviation;
                foreach (var variant in entry[(colon + 1)..].Split(',')) words.TryAdd(variant, abbreviation);
            }
        }
        return words.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    private static FrozenSet<string> LoadStreetNameTypes()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("LocationServer.Core.Gis.StreetNameTypes.txt")
            ?? throw new InvalidOperationException("The StreetNameType domain resource is missing.");
        using var reader = new StreamReader(stream);
        var values = new List<string>(400);
        while (reader.ReadLine() is { } line)
            if (line.Trim().Length > 0) values.Add(line.Trim());
        return values.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }
}
