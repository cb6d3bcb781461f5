using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;

namespace LocationServer.Held;

/// <summary>
/// HELD+ nomadic addresses: a soft client off the wiremap submits the civic address of where it is; it is stored
/// per device and network and answered with method <c>Manual</c> the next time the device is on that network.
/// Unknown networks are recorded (and alerted) as "unknown network location" events.
/// </summary>
internal sealed partial class NomadicAddressService(WiremapStore store, UnknownNetworkEvents events, ILogger<NomadicAddressService> logger)
{
    public async Task<LocationAnswer?> FindAsync(string tenant, string deviceKey, string fingerprint, CancellationToken cancellationToken)
    {
        try
        {
            var stored = await store.FindNomadicAsync(tenant, deviceKey, fingerprint, cancellationToken).ConfigureAwait(false);
            return stored is null ? null : ToAnswer(tenant, fingerprint, stored.Address);
        }
        catch (StorageUnavailableException ex)
        {
            Log.StoreUnavailable(logger, ex);
            return null;
        }
    }

    public async Task<LocationAnswer> SaveAsync(string tenant, string deviceKey, string fingerprint, CivicAddress civic, CancellationToken cancellationToken)
    {
        await store.SaveNomadicAsync(new NomadicAddress(tenant, deviceKey, fingerprint, civic), cancellationToken).ConfigureAwait(false);
        return ToAnswer(tenant, fingerprint, civic);
    }

    public void ReportUnknownNetwork(string tenant, string deviceKey, string? fingerprint) =>
        events.Enqueue(tenant, deviceKey, fingerprint);

    private static LocationAnswer ToAnswer(string tenant, string fingerprint, CivicAddress civic) => new(
        new ResolvedLocation
        {
            Id = "nomadic:" + fingerprint,
            TenantId = tenant,
            SiteId = "nomadic",
            Civic = civic,
            Display = civic.ToDisplayString(),
        },
        MatchRule.Nomadic,
        EvidenceField.NetworkFingerprint,
        "Manual",
        "device",
        "user-provided address");

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Nomadic address store unavailable")]
        public static partial void StoreUnavailable(ILogger logger, Exception exception);
    }
}
