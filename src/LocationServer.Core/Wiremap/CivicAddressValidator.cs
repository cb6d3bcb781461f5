namespace LocationServer.Core.Wiremap;

/// <summary>One problem found in a wiremap or an address, at a JSON-pointer-like path such as <c>/elements/12/value</c>.</summary>
/// <param name="Path">Where the problem is, in the shape of the JSON wiremap document (docs/wiremap-format.md).</param>
/// <param name="Message">What is wrong, for an administrator.</param>
public sealed record ValidationError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// Checks a civic address (RFC 5139) before it is stored: for wiremap sites and for the addresses users type in
/// off the corporate network. The rules follow what PSAPs and national address databases need to route a call
/// (NENA i3 civic requirements for US/CA), so that a "validated" address is one a 933 test call can read back.
/// </summary>
public static class CivicAddressValidator
{
    /// <summary>Longest accepted value of any element.</summary>
    public const int MaxValueLength = 256;

    private static readonly HashSet<string> UsSubdivisions = new(StringComparer.Ordinal)
    {
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
        "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
        "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
        "AS", "GU", "MP", "PR", "VI", "UM",
    };

    private static readonly HashSet<string> CaSubdivisions = new(StringComparer.Ordinal)
    {
        "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT",
    };

    /// <summary>
    /// Validates <paramref name="address"/>; every error path is <paramref name="pathPrefix"/> followed by
    /// "/" and the RFC 5139 element name (e.g. <c>/sites/0/address/PC</c>).
    /// </summary>
    /// <remarks>
    /// Rules: every value at most 256 characters with no control characters; <c>country</c> is an upper-case
    /// ISO 3166-1 alpha-2 code (RFC 5139 §3.3); the street goes in RD, never in A6 (RFC 5139 §3.2). For US and CA
    /// addresses A1 (the 2-letter state or province code, not "US-TX"), A3, RD, HNO (starting with a digit) and
    /// PC (US "78701" or "78701-1234", CA "K1A 0B1") are required.
    /// </remarks>
    public static IReadOnlyList<ValidationError> Validate(CivicAddress address, string pathPrefix)
    {
        ArgumentNullException.ThrowIfNull(address);
        pathPrefix ??= "";
        var errors = new List<ValidationError>();
        void Add(string name, string message) => errors.Add(new ValidationError($"{pathPrefix}/{name}", message));

        foreach (var (name, value) in address.Elements())
        {
            if (value.Length > MaxValueLength) Add(name, $"longer than {MaxValueLength} characters");
            if (value.Any(char.IsControl)) Add(name, "contains a control character");
            else if (value.Trim().Length == 0) Add(name, "is blank");
        }

        var country = address.Country;
        if (string.IsNullOrWhiteSpace(country))
        {
            Add("country", "is required (ISO 3166-1 alpha-2, e.g. US)");
            return errors;
        }
        if (!IsUpperAlpha(country, 2))
        {
            Add("country", $"'{Short(country)}' is not an upper-case ISO 3166-1 alpha-2 code such as US (RFC 5139 §3.3)");
            return errors;
        }

        var northAmerica = country is "US" or "CA";
        if (!string.IsNullOrEmpty(address.A6) && (northAmerica || string.IsNullOrEmpty(address.RD)))
            Add("A6", "the street belongs in RD, not A6 (RFC 5139 §3.2)");
        if (!northAmerica) return errors;

        var subdivisions = country == "US" ? UsSubdivisions : CaSubdivisions;
        var a1 = address.A1;
        if (string.IsNullOrWhiteSpace(a1)) Add("A1", country == "US" ? "is required (state code, e.g. TX)" : "is required (province code, e.g. ON)");
        else if (a1.StartsWith(country + "-", StringComparison.OrdinalIgnoreCase))
            Add("A1", $"give the subdivision code without the country, e.g. '{Short(a1[3..])}' instead of '{Short(a1)}'");
        else if (!IsUpperAlpha(a1, 2)) Add("A1", $"'{Short(a1)}' is not a 2-letter upper-case {(country == "US" ? "state" : "province")} code");
        else if (!subdivisions.Contains(a1)) Add("A1", $"'{a1}' is not a {(country == "US" ? "US state or territory" : "Canadian province or territory")} code");

        if (string.IsNullOrWhiteSpace(address.A3)) Add("A3", "is required (city)");
        if (string.IsNullOrWhiteSpace(address.RD)) Add("RD", "is required (street name)");
        if (string.IsNullOrWhiteSpace(address.HNO)) Add("HNO", "is required (house number)");
        else if (!char.IsAsciiDigit(address.HNO.TrimStart().FirstOrDefault())) Add("HNO", $"'{Short(address.HNO)}' does not start with a digit");

        var pc = address.PC;
        if (string.IsNullOrWhiteSpace(pc)) Add("PC", country == "US" ? "is required (ZIP code)" : "is required (postal code)");
        else if (country == "US" && !IsUsZip(pc)) Add("PC", $"'{Short(pc)}' is not a ZIP code (12345 or 12345-6789)");
        else if (country == "CA" && !IsCanadianPostalCode(pc)) Add("PC", $"'{Short(pc)}' is not a Canadian postal code (A1A 1A1)");
        return errors;
    }

    private static bool IsUpperAlpha(string value, int length) =>
        value.Length == length && value.All(char.IsAsciiLetterUpper);

    private static bool IsUsZip(string pc) =>
        (pc.Length == 5 && pc.All(char.IsAsciiDigit)) ||
        (pc.Length == 10 && pc[5] == '-' && pc[..5].All(char.IsAsciiDigit) && pc[6..].All(char.IsAsciiDigit));

    private static bool IsCanadianPostalCode(string pc) =>
        pc.Length == 7 && pc[3] == ' ' &&
        char.IsAsciiLetterUpper(pc[0]) && char.IsAsciiDigit(pc[1]) && char.IsAsciiLetterUpper(pc[2]) &&
        char.IsAsciiDigit(pc[4]) && char.IsAsciiLetterUpper(pc[5]) && char.IsAsciiDigit(pc[6]);

    internal static string Short(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
