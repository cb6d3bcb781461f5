namespace LocationServer.Core.Wiremap;

/// <summary>What an emergency policy is attached to; the closest scope wins per setting (network, site, tenant).</summary>
public enum PolicyScope
{
    /// <summary>The whole tenant.</summary>
    Tenant = 0,
    /// <summary>One or more sites (<see cref="EmergencyPolicy.SiteIds"/>).</summary>
    Site = 1,
    /// <summary>One or more subnets (<see cref="EmergencyPolicy.Networks"/>); the longest prefix holding the caller's address wins.</summary>
    Network = 2,
}

/// <summary>How far a scope is live, for staged rollouts (933 first, then 911).</summary>
public enum PolicyMode
{
    /// <summary>Emergency and test calls are routed by this server.</summary>
    Enabled = 0,
    /// <summary>Test calls are answered; emergency calls take the call server's own route (<see cref="EmergencyPolicy.CarrierRouteUri"/>).</summary>
    TestOnly = 1,
    /// <summary>Neither is routed by this server: both take the call server's own route.</summary>
    Disabled = 2,
}

/// <summary>Whether a soft client may, or must, have its user enter an address off the corporate network.</summary>
public enum ManualEntryPolicy
{
    /// <summary>User-entered addresses are refused.</summary>
    NotAllowed = 0,
    /// <summary>The client may ask its user for an address when the network is unknown.</summary>
    Optional = 1,
    /// <summary>The client must ask its user for an address when the network is unknown.</summary>
    Required = 2,
}

/// <summary>How a call server brings the security desk into an emergency call.</summary>
public enum ConferenceMode
{
    /// <summary>The desk listens; its audio is not mixed into the call.</summary>
    OneWay = 0,
    /// <summary>The desk listens and speaks.</summary>
    TwoWay = 1,
}

/// <summary>The service a dial string asks for.</summary>
public enum DialService
{
    /// <summary>A real emergency call (911, 112, 999, 000).</summary>
    Emergency = 0,
    /// <summary>A test call (933); never reaches a PSAP.</summary>
    Test = 1,
}

/// <summary>A dial string and the service it asks for.</summary>
/// <param name="Digits">The dialed digits, <c>[0-9*#]+</c>, e.g. "911" or "9911" (with an outside-line prefix).</param>
public sealed record DialString(string Digits, DialService Service);

/// <summary>A security desk to conference into emergency calls (a SIP URI and how).</summary>
public sealed record ConferenceHint(string Uri, ConferenceMode Mode = ConferenceMode.OneWay);

/// <summary>
/// Emergency settings for a tenant, some of its sites or some of its networks. Every setting is optional: an unset
/// one is inherited from the wider scope (network → site → tenant), then from the global configuration.
/// The dial strings (<see cref="Preset"/> together with <see cref="DialStrings"/>) are one setting: a policy that
/// sets either replaces the wider scope's whole set.
/// </summary>
/// <param name="Id">Stable identifier, unique in the tenant.</param>
/// <param name="Name">Display name.</param>
/// <param name="Scope">What the policy is attached to.</param>
public sealed record EmergencyPolicy(string Id, string Name, PolicyScope Scope = PolicyScope.Tenant)
{
    /// <summary>The sites of a <see cref="PolicyScope.Site"/> policy.</summary>
    public IReadOnlyList<string>? SiteIds { get; init; }

    /// <summary>The subnets (CIDR) of a <see cref="PolicyScope.Network"/> policy.</summary>
    public IReadOnlyList<string>? Networks { get; init; }

    /// <summary>A country preset of dial strings (<see cref="PolicyPresets"/>: us, eu, uk, au).</summary>
    public string? Preset { get; init; }

    /// <summary>Dial strings added to the preset's (or, without a preset, the only ones).</summary>
    public IReadOnlyList<DialString>? DialStrings { get; init; }

    /// <summary>Staged rollout mode.</summary>
    public PolicyMode? Mode { get; init; }

    /// <summary>The relay centre (ECRC) for calls without a dispatchable location, overriding Routing:RelayCenter:Uri.</summary>
    public string? RelayCenterUri { get; init; }

    /// <summary>The test (933) service, overriding Routing:TestService:Uri.</summary>
    public string? TestServiceUri { get; init; }

    /// <summary>
    /// Where emergency calls go while the mode is <see cref="PolicyMode.TestOnly"/> or <see cref="PolicyMode.Disabled"/>;
    /// unset: the call server's own default emergency route (its carrier's 911 handling).
    /// </summary>
    public string? CarrierRouteUri { get; init; }

    /// <summary>Whether soft clients may submit a user-entered address.</summary>
    public ManualEntryPolicy? ManualEntry { get; init; }

    /// <summary>Text a soft client shows its user with the manual-entry prompt.</summary>
    public string? Disclaimer { get; init; }

    /// <summary>How long an ELIN stands for its caller after an emergency call, in minutes (1-1440).</summary>
    public int? CallbackWindowMinutes { get; init; }

    /// <summary>The security desk to conference into emergency calls.</summary>
    public ConferenceHint? Conference { get; init; }
}

/// <summary>The country presets of dial strings.</summary>
public static class PolicyPresets
{
    /// <summary>Preset name → its dial strings, in the order documented.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<DialString>> All { get; } = new Dictionary<string, IReadOnlyList<DialString>>(StringComparer.Ordinal)
    {
        ["us"] = [new("911", DialService.Emergency), new("9911", DialService.Emergency), new("933", DialService.Test), new("9933", DialService.Test)],
        ["eu"] = [new("112", DialService.Emergency)],
        ["uk"] = [new("999", DialService.Emergency), new("112", DialService.Emergency)],
        ["au"] = [new("000", DialService.Emergency), new("112", DialService.Emergency)],
    };

    /// <summary>
    /// The dial strings in force where no policy sets any (the built-in default, unchanged from before policies existed):
    /// 911, 9911 and 112 emergency; 933 and 9933 test.
    /// </summary>
    public static IReadOnlyList<DialString> Default { get; } =
        [new("911", DialService.Emergency), new("9911", DialService.Emergency), new("112", DialService.Emergency), new("933", DialService.Test), new("9933", DialService.Test)];
}

/// <summary>The JSON names of the policy enums (camelCase, as docs/policies.md spells them), one place for every format.</summary>
public static class PolicyNames
{
    private static readonly string[] Scopes = ["tenant", "site", "network"];
    private static readonly string[] Modes = ["enabled", "testOnly", "disabled"];
    private static readonly string[] ManualEntries = ["notAllowed", "optional", "required"];
    private static readonly string[] ConferenceModes = ["oneWay", "twoWay"];
    private static readonly string[] Services = ["emergency", "test"];

    public static string Of(PolicyScope value) => Scopes[(int)value];
    public static string Of(PolicyMode value) => Modes[(int)value];
    public static string Of(ManualEntryPolicy value) => ManualEntries[(int)value];
    public static string Of(ConferenceMode value) => ConferenceModes[(int)value];
    public static string Of(DialService value) => Services[(int)value];

    /// <summary>The allowed names of <typeparamref name="T"/>, for error messages.</summary>
    public static IReadOnlyList<string> NamesOf<T>()
        where T : struct, Enum => typeof(T) == typeof(PolicyScope) ? Scopes
        : typeof(T) == typeof(PolicyMode) ? Modes
        : typeof(T) == typeof(ManualEntryPolicy) ? ManualEntries
        : typeof(T) == typeof(ConferenceMode) ? ConferenceModes
        : typeof(T) == typeof(DialService) ? Services
        : throw new ArgumentOutOfRangeException(nameof(T));

    /// <summary>Parses a name (exact spelling, case-insensitive) of <typeparamref name="T"/>.</summary>
    public static bool TryParse<T>(string? name, out T value)
        where T : struct, Enum
    {
        value = default;
        if (name is null) return false;
        var names = NamesOf<T>();
        for (var i = 0; i < names.Count; i++)
        {
            if (!string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase)) continue;
            value = (T)Enum.ToObject(typeof(T), i);
            return true;
        }
        return false;
    }
}
