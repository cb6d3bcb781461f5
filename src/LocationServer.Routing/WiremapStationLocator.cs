using LocationServer.Core.Matching;
using LocationServer.Core.Routing;

namespace LocationServer.Routing;

/// <summary>
/// Locates a station by the tenant's wiremap: its MAC against pinned device MACs, its IP against subnets. The IP
/// is the station's own address (the INVITE's claim, not a connection's source), so public-IP site ranges do not
/// apply; VPN/NAT (off-premises) ranges never yield a location.
/// </summary>
internal sealed class WiremapStationLocator : IStationLocator
{
    public ValueTask<StationMatch?> LocateAsync(TenantIndex tenant, StationIdentity station, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (station.IsEmpty) return ValueTask.FromResult<StationMatch?>(null);
        var result = tenant.Match(new Evidence { DeviceMac = station.Mac, ReportedAddress = station.Address });
        return ValueTask.FromResult(result.Found ? new StationMatch(result.Location!, "Wiremap", result.Rule.ToString()) : null);
    }
}
