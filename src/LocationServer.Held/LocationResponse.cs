using LocationServer.Held.Pidf;

namespace LocationServer.Held;

/// <summary>
/// A HELD <c>locationResponse</c> to write (RFC 5985 §6.5-§6.6): location URIs, a PIDF-LO, or both; optionally the
/// RFC 6155 §2.2 device echo and RFC 7840 routing information.
/// </summary>
public sealed record LocationResponse
{
    /// <summary>Location URIs; <c>locationUriSet</c> is written only when there is at least one (RFC 5985 §6.5).</summary>
    public IReadOnlyList<string> LocationUris { get; init; } = [];

    /// <summary>When the URIs stop working (RFC 5985 §6.5.2); written as UTC with "Z".</summary>
    public DateTimeOffset UrisExpire { get; init; }

    /// <summary>Location by value (RFC 5985 §6.6).</summary>
    public PidfLo? Presence { get; init; }

    /// <summary>The identifiers actually used to locate the device (RFC 6155 §2.2); null when the source IP was used.</summary>
    public DeviceIdentity? EchoDevice { get; init; }

    /// <summary>RFC 7840 §5 routing information.</summary>
    public RoutingInformation? Routing { get; init; }

    /// <summary>The manual-entry policy for soft clients (our <c>ext:manualEntry</c> extension, docs/policies.md).</summary>
    public ManualEntryHint? ManualEntry { get; init; }
}

/// <summary>
/// Whether a soft client may (<c>optional</c>), must (<c>required</c>) or may not (<c>notAllowed</c>) have its user
/// enter an address, the text to show with the prompt, and the emergency policy that says so. Written as
/// <c>ext:manualEntry</c> in <c>urn:locationserver:held:ext</c>, an extension element where the HELD schema allows
/// <c>##other</c> (lax) content: in <c>locationResponse</c> and in <c>error</c> (RFC 5985 §7).
/// </summary>
public sealed record ManualEntryHint(string Policy, string? PolicyId, string? Disclaimer);

/// <summary>
/// RFC 7840 §5 <c>ri:routingInformation</c>: one <c>service</c> with its destination URIs (at most one per scheme);
/// <paramref name="DefaultRoute"/> marks a default PSAP/gateway route.
/// </summary>
public sealed record RoutingInformation(string ServiceUri, IReadOnlyList<string> Destinations, bool DefaultRoute = false);
