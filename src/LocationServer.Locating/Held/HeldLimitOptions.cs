using LocationServer.Locating.Configuration;

namespace LocationServer.Locating.Held;

/// <summary>
/// Limits on the state unauthenticated HELD requests can create, section <c>Held:Limits</c>. Rates are per source
/// address (an IPv6 source counts by its /64), per replica, as a token bucket refilled every second whose size is
/// the per-minute figure.
/// </summary>
internal sealed class HeldLimitOptions : IValidatedOptions
{
    public const string Section = "Held:Limits";

    /// <summary>User-entered addresses (<c>userProvidedLocation</c>) saved per source and minute; 0 turns the limit off. Default 30.</summary>
    public int UserAddressesPerMinute { get; set; } = 30;

    /// <summary>Unknown-network requests recorded per source and minute; 0 turns the limit off. Default 120.</summary>
    public int UnknownNetworkRequestsPerMinute { get; set; } = 120;

    /// <summary>
    /// How often the per-network unknown-network counts are written to the database, in milliseconds (100-600000).
    /// Default 10000.
    /// </summary>
    public int UnknownNetworkFlushMilliseconds { get; set; } = 10_000;

    /// <summary>
    /// Networks whose unknown-network count is held in memory at once (one record each); requests from further
    /// networks are not recorded until the interval of older ones ends (logged with the count). Default 100000.
    /// </summary>
    public int MaxTrackedNetworks { get; set; } = 100_000;

    public IEnumerable<string> Validate(IConfiguration configuration)
    {
        if (UserAddressesPerMinute < 0) yield return $"Held:Limits:UserAddressesPerMinute must be 0 (off) or more; it is {UserAddressesPerMinute}.";
        if (UnknownNetworkRequestsPerMinute < 0) yield return $"Held:Limits:UnknownNetworkRequestsPerMinute must be 0 (off) or more; it is {UnknownNetworkRequestsPerMinute}.";
        if (UnknownNetworkFlushMilliseconds is < 100 or > 600_000) yield return $"Held:Limits:UnknownNetworkFlushMilliseconds must lie between 100 and 600000; it is {UnknownNetworkFlushMilliseconds}.";
        if (MaxTrackedNetworks is < 1 or > 10_000_000) yield return $"Held:Limits:MaxTrackedNetworks must lie between 1 and 10000000; it is {MaxTrackedNetworks}.";
    }
}
