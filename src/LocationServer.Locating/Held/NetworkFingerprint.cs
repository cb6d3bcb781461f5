using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;

namespace LocationServer.Locating.Held;

/// <summary>
/// Names the network a nomadic soft client is on, so a user-entered address is offered again on the same network
/// and never on another: the upstream gateway MAC when reported, else the serving access point, else the public
/// address's /24 (IPv4) or /56 (IPv6) as the server sees it.
/// </summary>
internal static class NetworkFingerprint
{
    public static string? From(Evidence evidence)
    {
        if (evidence.GatewayMac is { } gateway) return "gw:" + gateway.ToDashString();
        if (evidence.ServingBssid is { } bssid) return "ap:" + bssid.ToDashString();
        if (evidence.SourceAddress is { } source)
        {
            var isV4 = IpPrefix.IsV4(source);
            var length = isV4 ? 24 : 56;
            var network = IpPrefix.ToNumber(source) & IpPrefix.Mask(!isV4, length);
            return $"net:{(isV4 ? "4" : "6")}:{network:x}/{length}";
        }
        return null;
    }

    /// <summary>The stable key of a device: its MAC when known, else its address.</summary>
    public static string DeviceKey(Evidence evidence)
    {
        if (evidence.DeviceMac is { } mac) return "mac:" + mac.ToDashString();
        var address = evidence.ReportedAddress ?? evidence.SourceAddress ?? IPAddress.None;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return "ip:" + address;
    }
}
