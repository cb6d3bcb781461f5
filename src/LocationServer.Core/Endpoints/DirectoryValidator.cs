using LocationServer.Core.Identifiers;
using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Endpoints;

/// <summary>
/// Checks emergency endpoints and user records before they are stored, and returns them in canonical form (numbers
/// in E.164, MACs in lower-case colon form). Error paths are JSON pointers into the admin request body
/// (<c>/callbackNumber</c>, <c>/billingAddress/PC</c>, <c>/dids/1</c>).
/// </summary>
public static class DirectoryValidator
{
    /// <summary>Longest accepted identifier, label, display name or e-mail address.</summary>
    public const int MaxTextLength = 256;

    /// <summary>Most DIDs or device MACs one user may have.</summary>
    public const int MaxPerUser = 64;

    /// <summary>
    /// Validates an endpoint: an id, a callback number that is an E.164 number (a short code or an extension cannot be
    /// called back by a PSAP), and a billing address passing the civic rules the wiremap uses for sites.
    /// </summary>
    public static (EmergencyEndpoint? Endpoint, IReadOnlyList<ValidationError> Errors) Endpoint(EmergencyEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var errors = new List<ValidationError>();
        Id(endpoint.Id, "/id", errors);
        var number = E164(endpoint.CallbackNumber, "/callbackNumber", errors);
        errors.AddRange(CivicAddressValidator.Validate(endpoint.BillingAddress ?? new CivicAddress(), "/billingAddress"));
        Text(endpoint.Label, "/label", errors);
        Text(endpoint.SiteId, "/site", errors);
        return errors.Count > 0
            ? (null, errors)
            : (endpoint with { CallbackNumber = number!, Label = Blank(endpoint.Label), SiteId = Blank(endpoint.SiteId) }, errors);
    }

    /// <summary>
    /// Validates a user: an id, a display name, an optional e-mail address, E.164 DIDs and parseable device MACs,
    /// each listed once.
    /// </summary>
    public static (DirectoryUser? User, IReadOnlyList<ValidationError> Errors) User(DirectoryUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var errors = new List<ValidationError>();
        Id(user.Id, "/id", errors);
        if (string.IsNullOrWhiteSpace(user.DisplayName)) errors.Add(new ValidationError("/displayName", "is required"));
        else Text(user.DisplayName, "/displayName", errors);
        var email = Blank(user.Email);
        if (email is not null)
        {
            Text(email, "/email", errors);
            if (!System.Net.Mail.MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || parsed.DisplayName.Length > 0)
                errors.Add(new ValidationError("/email", $"'{CivicAddressValidator.Short(email)}' is not an e-mail address such as kari@example.com"));
        }
        Text(user.SiteId, "/site", errors);

        var dids = new List<string>();
        var input = user.Dids ?? [];
        if (input.Count > MaxPerUser) errors.Add(new ValidationError("/dids", $"more than {MaxPerUser} numbers"));
        for (var i = 0; i < input.Count && i < MaxPerUser; i++)
        {
            var number = E164(input[i], $"/dids/{i}", errors);
            if (number is null) continue;
            if (dids.Contains(number)) errors.Add(new ValidationError($"/dids/{i}", $"{number} is listed twice"));
            else dids.Add(number);
        }
        var macs = new List<string>();
        var devices = user.DeviceMacs ?? [];
        if (devices.Count > MaxPerUser) errors.Add(new ValidationError("/deviceMacs", $"more than {MaxPerUser} devices"));
        for (var i = 0; i < devices.Count && i < MaxPerUser; i++)
        {
            var mac = Mac(devices[i]);
            if (mac is null) errors.Add(new ValidationError($"/deviceMacs/{i}", $"'{CivicAddressValidator.Short(devices[i] ?? "")}' is not a MAC address"));
            else if (macs.Contains(mac)) errors.Add(new ValidationError($"/deviceMacs/{i}", $"{mac} is listed twice"));
            else macs.Add(mac);
        }
        return errors.Count > 0
            ? (null, errors)
            : (user with { DisplayName = user.DisplayName.Trim(), Email = email, SiteId = Blank(user.SiteId), Dids = dids, DeviceMacs = macs }, errors);
    }

    /// <summary>A MAC in the canonical lower-case colon form, or null when it does not parse.</summary>
    public static string? Mac(string? text) =>
        text is not null && MacAddress.TryParse(text.Trim(), out var mac) ? mac.ToString() : null;

    /// <summary>True for an identifier: 1-128 characters, no control characters, no '/' and no surrounding spaces.</summary>
    public static bool IsId(string? id) =>
        id is { Length: >= 1 and <= WiremapValidator.MaxIdLength } && id.Trim().Length == id.Length && !id.Any(c => char.IsControl(c) || c == '/');

    private static void Id(string? id, string path, List<ValidationError> errors)
    {
        if (string.IsNullOrEmpty(id)) errors.Add(new ValidationError(path, "is required"));
        else if (!IsId(id)) errors.Add(new ValidationError(path, $"'{CivicAddressValidator.Short(id)}' is not an id (1-{WiremapValidator.MaxIdLength} characters, no '/', no control characters, no surrounding spaces)"));
    }

    private static string? E164(string? text, string path, List<ValidationError> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(new ValidationError(path, "is required (E.164, e.g. +15125550100)"));
            return null;
        }
        var number = PhoneNumber.Normalize(text);
        if (number is null || !number.StartsWith('+'))
        {
            errors.Add(new ValidationError(path, $"'{CivicAddressValidator.Short(text)}' is not an E.164 telephone number such as +15125550100"));
            return null;
        }
        return number;
    }

    private static void Text(string? value, string path, List<ValidationError> errors)
    {
        if (value is null) return;
        if (value.Length > MaxTextLength) errors.Add(new ValidationError(path, $"longer than {MaxTextLength} characters"));
        else if (value.Any(char.IsControl)) errors.Add(new ValidationError(path, "contains a control character"));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
