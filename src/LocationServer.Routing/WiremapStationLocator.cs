using LocationServer.Core.Matching;
using LocationServer.Core.Routing;

namespace LocationServer.Routing;

/// <summary>A station located from its signalled MAC/IP.</summary>
internal sealed record StationMatch(ResolvedLocation Location, string Method, string Rule);

/// <summary>
/// Locates a station by the tenant's wiremap: its MAC against pinned device MACs, its IP against subnets. The IP
/// is the station's own address (the INVITE's claim, not a connection's source), so public-IP site ranges do not
/// apply; VPN/NAT (off-premises) ranges never yield a location.
/// </summary>
internal static class WiremapStationLocator
{
    /// <summary>Locates a calling station from the MAC/IP its call server signalled.</summary>
    public static StationMatch? Locate(TenantIndex tenant, StationIdentity station)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (station.IsEmpty) return null;
        var result = tenant.Match(new Evidence { DeviceMac = station.Mac, ReportedAddress = station.Address });
        return result.Found ? new StationMatch(result.Location!, "Wiremap", result.Rule.ToString()) : null;
    }
}
