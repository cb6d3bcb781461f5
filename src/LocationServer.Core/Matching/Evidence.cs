using System.Net;
using LocationServer.Core.Identifiers;

namespace LocationServer.Core.Matching;

/// <summary>One LLDP neighbour as a device reported it (RFC 7105 §5.1).</summary>
public sealed record LldpNeighbour(LldpId Chassis, LldpId Port);

/// <summary>
/// What a request tells us about where a device is attached: what the network saw (the TCP source address) and
/// what the device reported (RFC 6155 identities, RFC 7105 measurements). Built once per request by the wire
/// parser; matching reads it without allocating.
/// </summary>
public sealed class Evidence
{
    /// <summary>The TCP source address of the request (what return routability vouches for).</summary>
    public IPAddress? SourceAddress { get; init; }

    /// <summary>The device's own address as reported (RFC 6155 ip), when it differs from the source.</summary>
    public IPAddress? ReportedAddress { get; init; }

    /// <summary>The device's MAC (RFC 6155 mac).</summary>
    public MacAddress? DeviceMac { get; init; }

    /// <summary>The BSSID of the access point the device is associated with (RFC 7105 serving AP).</summary>
    public MacAddress? ServingBssid { get; init; }

    /// <summary>Other BSSIDs the device can see; used only when no serving AP is reported.</summary>
    public IReadOnlyList<MacAddress> NeighbourBssids { get; init; } = [];

    /// <summary>LLDP neighbours, in the order reported.</summary>
    public IReadOnlyList<LldpNeighbour> Lldp { get; init; } = [];

    /// <summary>The upstream gateway's MAC, when a soft client reports it.</summary>
    public MacAddress? GatewayMac { get; init; }

    /// <summary>True when nothing beyond the source address was reported.</summary>
    public bool IsSourceOnly =>
        ReportedAddress is null && DeviceMac is null && ServingBssid is null && NeighbourBssids.Count == 0 &&
        Lldp.Count == 0 && GatewayMac is null;
}
