using LocationServer.Core.Gis;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;

namespace LocationServer.Locating.Held;

/// <summary>
/// HELD+ nomadic addresses: a soft client off the wiremap submits the civic address of where it is; it is stored
/// per device and network and answered with method <c>Manual</c> the next time the device is on that network.
/// Unknown networks are recorded (and alerted) as "unknown network location" events. Before it is stored an address is
/// validated against the authority's GIS data (an invalid one is refused by the caller) and a valid one is geocoded,
/// so a 911 call from there reaches the PSAP whose boundary holds the point rather than the relay centre.
/// </summary>
internal sealed partial class NomadicAddressService(WiremapStore store, UnknownNetworkEvents events, GisIndexHolder gis, ILogger<NomadicAddressService> logger)
{
    /// <summary>Validates a user-entered address against the GIS data in force.</summary>
    public AddressCheck Check(CivicAddress civic) => gis.Current.Validate(civic);

    public async Task<LocationAnswer?> FindAsync(string tenant, string deviceKey, string fingerprint, CancellationToken cancellationToken)
    {
        try
        {
            var stored = await store.FindNomadicAsync(tenant, deviceKey, fingerprint, cancellationToken).ConfigureAwait(false);
            return stored is null ? null : ToAnswer(tenant, fingerprint, stored.Address, stored.Point, stored.Validation);
        }
        catch (StorageUnavailableException ex)
        {
            Log.StoreUnavailable(logger, ex);
            return null;
        }
    }

    public async Task<LocationAnswer> SaveAsync(string tenant, string deviceKey, string fingerprint, CivicAddress civic, AddressCheck check, CancellationToken cancellationToken)
    {
        var validation = Describe(check);
        await store.SaveNomadicAsync(new NomadicAddress(tenant, deviceKey, fingerprint, civic) { Point = check.Point, Validation = validation }, cancellationToken).ConfigureAwait(false);
        return ToAnswer(tenant, fingerprint, civic, check.Point, validation);
    }

    /// <summary>The stored (and call-record) wording of a check: "valid: address point (GIS version 3)", "unchecked: …".</summary>
    private string Describe(AddressCheck check)
    {
        var version = gis.Current.Version.Number;
        return check.Validity switch
        {
            AddressValidity.Valid when check.Source == GeocodeSource.AddressPoint => $"valid: address point (GIS version {version})",
            AddressValidity.Valid when check.Source == GeocodeSource.Interpolated => $"valid: interpolated on the street range (GIS version {version})",
            AddressValidity.Valid => $"valid: no point in the GIS data (GIS version {version})",
            AddressValidity.Invalid => "invalid: " + check.Message,
            _ => "unchecked: " + check.Message,
        };
    }

    public void ReportUnknownNetwork(string tenant, string deviceKey, string? fingerprint) =>
        events.Enqueue(tenant, deviceKey, fingerprint);

    private static LocationAnswer ToAnswer(string tenant, string fingerprint, CivicAddress civic, GeoPoint? point, string? validation) => new(
        new ResolvedLocation
        {
            Id = "nomadic:" + fingerprint,
            TenantId = tenant,
            SiteId = "nomadic",
            Civic = civic,
            Point = point,
            Display = civic.ToDisplayString(),
            Validation = validation,
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
