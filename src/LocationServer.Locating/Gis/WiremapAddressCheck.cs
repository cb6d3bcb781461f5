using LocationServer.Core.Gis;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;

namespace LocationServer.Gis;

/// <summary>The wiremap to store after the GIS check, and what the check found.</summary>
internal sealed record WiremapAddressOutcome(TenantWiremap Wiremap, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);

/// <summary>
/// Checks a tenant's site addresses against the authority's GIS data when its wiremap is saved (RFC 6881 AN-23: a LIS
/// validates civic addresses before it enters them): an invalid address refuses the save when the tenant chose so
/// (<c>PUT /admin/tenants/{tenant}/address-validation</c>), otherwise it is stored with a warning; a valid site without
/// a point gets the geocoded one (reported as a warning, so the administrator sees which points came from the data).
/// Addresses the data does not cover are stored as they are.
/// </summary>
internal sealed class WiremapAddressCheck(GisIndexHolder gis, GisStore store)
{
    public async Task<WiremapAddressOutcome> CheckAsync(TenantWiremap wiremap, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wiremap);
        var index = gis.Current;
        if (index.IsEmpty) return new WiremapAddressOutcome(wiremap, [], []);
        var refuse = false;
        try
        {
            refuse = await store.GetRefuseInvalidAddressesAsync(wiremap.Tenant.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException)
        {
            // The save itself will report the store; the check does not add a second failure.
        }
        var errors = new List<string>();
        var warnings = new List<string>();
        var sites = new List<Site>(wiremap.Sites.Count);
        for (var i = 0; i < wiremap.Sites.Count; i++)
        {
            var site = wiremap.Sites[i];
            var check = index.Validate(site.Address);
            if (check.Validity == AddressValidity.Invalid)
            {
                var message = $"/sites/{i}/address: {check.Message} (invalid: {string.Join(", ", AddressCheck.Names(check.Invalid))})";
                (refuse ? errors : warnings).Add(message);
            }
            else if (check is { Validity: AddressValidity.Valid, Point: { } point } && site.Point is null)
            {
                site = site with { Point = point };
                warnings.Add($"/sites/{i}/point: geocoded from the GIS data ({(check.Source == GeocodeSource.AddressPoint ? "address point" : "interpolated on the street range")}, version {index.Version.Number})");
            }
            sites.Add(site);
        }
        return new WiremapAddressOutcome(wiremap with { Sites = sites }, errors, warnings);
    }
}
