using LocationServer.Core.Gis;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;

namespace LocationServer.Locating.Gis;

/// <summary>The wiremap to store after the GIS check, and what the check found.</summary>
internal sealed record WiremapAddressOutcome(TenantWiremap Wiremap, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);

/// <summary>
/// Checks a tenant's site addresses against the authority's GIS data when its wiremap is saved (RFC 6881 AN-23: a LIS
/// validates civic addresses before it enters them): an invalid address refuses the save when the tenant chose so
/// (<c>PUT /admin/tenants/{tenant}/address-validation</c>), otherwise it is stored with a warning. Addresses the data
/// does not cover are stored as they are.
/// <para>
/// It also decides which points are geocoded (<see cref="Site.GeocodedVersion"/>, <see cref="DispatchableLocation.GeocodedVersion"/>):
/// a site or location saved without a point gets the geocoded one of its (site's) valid address, marked with the GIS
/// version; a point the administrator gives is never marked. A geocoded point stays marked while it and the address
/// stay as stored; when the address changes it is geocoded again (or removed, when the new address has no point in
/// the data), and a point the administrator moved is theirs. Each point placed or removed is listed in the warnings.
/// </para>
/// </summary>
internal sealed class WiremapAddressCheck(GisIndexHolder gis, GisStore store, WiremapStore wiremaps)
{
    /// <summary>Checks <paramref name="wiremap"/> against the GIS data and the tenant's stored wiremap.</summary>
    public async Task<WiremapAddressOutcome> CheckAsync(TenantWiremap wiremap, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wiremap);
        TenantWiremap? stored = null;
        try
        {
            stored = await wiremaps.GetTenantAsync(wiremap.Tenant.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException)
        {
            // The save itself will report the store; without the stored wiremap no point counts as geocoded before.
        }
        return await CheckAsync(wiremap, stored, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks <paramref name="wiremap"/> against the GIS data, with <paramref name="stored"/> as the wiremap it replaces.</summary>
    public async Task<WiremapAddressOutcome> CheckAsync(TenantWiremap wiremap, TenantWiremap? stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wiremap);
        var index = gis.Current;
        var refuse = false;
        if (!index.IsEmpty)
        {
            try
            {
                refuse = await store.GetRefuseInvalidAddressesAsync(wiremap.Tenant.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageUnavailableException)
            {
                // The save itself will report the store; the check does not add a second failure.
            }
        }
        var errors = new List<string>();
        var warnings = new List<string>();
        var storedSites = new Dictionary<string, Site>(StringComparer.Ordinal);
        foreach (var site in stored?.Sites ?? []) storedSites.TryAdd(site.Id, site);
        var storedLocations = new Dictionary<string, DispatchableLocation>(StringComparer.Ordinal);
        foreach (var location in stored?.Locations ?? []) storedLocations.TryAdd(location.Id, location);

        var sites = new List<Site>(wiremap.Sites.Count);
        var checks = new Dictionary<string, AddressCheck?>(StringComparer.Ordinal);
        for (var i = 0; i < wiremap.Sites.Count; i++)
        {
            var site = wiremap.Sites[i];
            AddressCheck? check = index.IsEmpty ? null : index.Validate(site.Address);
            checks.TryAdd(site.Id, check);
            if (check is { Validity: AddressValidity.Invalid } invalid)
            {
                var message = $"/sites/{i}/address: {invalid.Message} (invalid: {string.Join(", ", AddressCheck.Names(invalid.Invalid))})";
                (refuse ? errors : warnings).Add(message);
            }
            var before = storedSites.GetValueOrDefault(site.Id);
            var placed = Place(site.Point, site.GeocodedVersion, site.Address, before?.Point, before?.GeocodedVersion, before?.Address, check, index.Version.Number, mayGeocode: true);
            if (placed.Note is { } note) warnings.Add($"/sites/{i}/point: {note}");
            sites.Add(site with { Point = placed.Point, GeocodedVersion = placed.Version });
        }

        var siteById = new Dictionary<string, Site>(StringComparer.Ordinal);
        foreach (var site in sites) siteById.TryAdd(site.Id, site);
        var locations = new List<DispatchableLocation>(wiremap.Locations.Count);
        for (var i = 0; i < wiremap.Locations.Count; i++)
        {
            var location = wiremap.Locations[i];
            if (!siteById.TryGetValue(location.SiteId, out var site))
            {
                // An unknown site is the validator's to report.
                locations.Add(location);
                continue;
            }
            var before = storedLocations.GetValueOrDefault(location.Id);
            var beforeAddress = before is not null && storedSites.TryGetValue(before.SiteId, out var beforeSite) ? beforeSite.Address : null;
            // A location shares its site's street address; it is geocoded only where the site's point is not the administrator's.
            var mayGeocode = site.Point is null || site.GeocodedVersion is not null;
            var placed = Place(location.Point, location.GeocodedVersion, site.Address, before?.Point, before?.GeocodedVersion, beforeAddress,
                checks.GetValueOrDefault(site.Id), index.Version.Number, mayGeocode);
            if (placed.Note is { } note) warnings.Add($"/locations/{i}/point: {note}");
            locations.Add(location with { Point = placed.Point, GeocodedVersion = placed.Version });
        }
        return new WiremapAddressOutcome(wiremap with { Sites = sites, Locations = locations }, errors, warnings);
    }

    private readonly record struct Placement(GeoPoint? Point, long? Version, string? Note);

    /// <summary>Where a point comes from: given by the administrator (no version), or geocoded from <paramref name="address"/>.</summary>
    private static Placement Place(
        GeoPoint? point, long? claimed, CivicAddress address,
        GeoPoint? storedPoint, long? storedVersion, CivicAddress? storedAddress,
        AddressCheck? check, long gisVersion, bool mayGeocode)
    {
        var geocoded = mayGeocode && check is { Validity: AddressValidity.Valid, Point: { } found } ? found : (GeoPoint?)null;
        var source = check?.Source == GeocodeSource.AddressPoint ? "address point" : "interpolated on the street range";
        if (point is null)
        {
            return geocoded is { } g
                ? new Placement(g, gisVersion, $"geocoded from the GIS data ({source}, version {gisVersion})")
                : new Placement(null, null, null);
        }
        // A point without the mark is the administrator's.
        if (claimed is null) return new Placement(point, null, null);
        if (storedVersion is { } version && storedPoint == point)
        {
            if (storedAddress == address) return new Placement(point, version, null);
            return geocoded is { } g
                ? new Placement(g, gisVersion, $"geocoded again for the changed address ({source}, version {gisVersion})")
                : new Placement(null, null, "the point geocoded from the previous address was removed: the changed address has no point in the GIS data");
        }
        if ((storedPoint is not null && storedPoint != point) || (storedVersion is null && storedPoint == point))
        {
            // Moved by the administrator, or theirs already: the mark does not make it geocoded.
            return new Placement(point, null, null);
        }
        // Marked as geocoded but new here (an export imported elsewhere, say): placed again from the data when it can be.
        return geocoded is { } again
            ? new Placement(again, gisVersion, again == point ? null : $"geocoded from the GIS data ({source}, version {gisVersion})")
            : new Placement(point, null, "kept as given, not marked geocoded: the GIS data does not place this address");
    }
}
