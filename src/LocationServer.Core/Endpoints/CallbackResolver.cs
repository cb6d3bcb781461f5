using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;

namespace LocationServer.Core.Endpoints;

/// <summary>Where a call's callback number came from, most specific first.</summary>
public enum CallbackSource
{
    /// <summary>No number is known at all.</summary>
    None = 0,
    /// <summary>An ELIN of the caller's location (chosen by the ELIN window, not by <see cref="CallbackResolver"/>).</summary>
    Elin,
    /// <summary>The endpoint assigned to the calling device's MAC.</summary>
    DeviceEndpoint,
    /// <summary>The endpoint assigned to the user matched by the calling DID or device MAC.</summary>
    UserEndpoint,
    /// <summary>The callback number the wiremap gives the calling DID itself (<c>dids[].callbackNumber</c>).</summary>
    DidCallback,
    /// <summary>A caller at a user-entered address: the caller's own E.164 number or the matched user's first DID.</summary>
    OwnNumber,
    /// <summary>The callback number the wiremap gives the dispatchable location itself.</summary>
    LocationCallback,
    /// <summary>The endpoint assigned to the site of the call's location (or of the user, when the call has no location).</summary>
    SiteEndpoint,
    /// <summary>The site's callback number in the wiremap.</summary>
    SiteCallback,
    /// <summary>The endpoint assigned to the whole tenant.</summary>
    TenantEndpoint,
    /// <summary>The tenant's callback number in the wiremap.</summary>
    TenantCallback,
    /// <summary>The calling number as it came.</summary>
    CallingNumber,
}

/// <summary>The callback number of a call, where it came from, the endpoint (for its billing address) and the user matched.</summary>
public readonly record struct CallbackChoice(string? Number, CallbackSource Source, EmergencyEndpoint? Endpoint, DirectoryUser? User);

/// <summary>
/// Chooses the callback number (ECBN) of an emergency call from the in-memory wiremap and endpoint directory, without
/// a database round trip. Precedence, most specific first: the device's endpoint, the user's endpoint, the calling
/// DID's own wiremap callback; then, for a caller at a user-entered (nomadic) address, the caller's own E.164 number
/// or the user's first DID, and never a site's number; otherwise the location's own wiremap callback, the site's
/// endpoint, the site's wiremap callback. Then the tenant's endpoint, the tenant's wiremap callback, and the calling
/// number. ELINs are chosen before this (an ELIN of the location always wins).
/// </summary>
public static class CallbackResolver
{
    /// <summary>Site id of the locations a user entered (HELD+ <c>userProvidedLocation</c>).</summary>
    public const string NomadicSiteId = "nomadic";

    /// <summary>True when <paramref name="location"/> is a user-entered address rather than a dispatchable location of the wiremap.</summary>
    public static bool IsNomadic(TenantIndex wiremap, ResolvedLocation location)
    {
        ArgumentNullException.ThrowIfNull(wiremap);
        ArgumentNullException.ThrowIfNull(location);
        return location.SiteId == NomadicSiteId && location.Id.StartsWith(NomadicSiteId + ":", StringComparison.Ordinal) && wiremap.FindLocation(location.Id) is null;
    }

    /// <param name="wiremap">The tenant's wiremap index in force.</param>
    /// <param name="directory">The tenant's endpoint directory, or null when it has none.</param>
    /// <param name="location">The call's location, or null when none was found.</param>
    /// <param name="did">The wiremap DID of the calling number, if it is one.</param>
    /// <param name="callingNumber">The calling number, normalised (<see cref="PhoneNumber.Normalize"/>), if any.</param>
    /// <param name="device">The calling device's MAC, if known (signalling or the token's device).</param>
    public static CallbackChoice Resolve(TenantIndex wiremap, TenantDirectory? directory, ResolvedLocation? location, DidEntry? did, string? callingNumber, MacAddress? device)
    {
        ArgumentNullException.ThrowIfNull(wiremap);
        var user = directory?.UserByNumber(callingNumber) ?? directory?.UserByMac(device);
        if (directory?.ForDevice(device) is { } deviceEndpoint) return new(deviceEndpoint.CallbackNumber, CallbackSource.DeviceEndpoint, deviceEndpoint, user);
        if (directory?.ForUser(user) is { } userEndpoint) return new(userEndpoint.CallbackNumber, CallbackSource.UserEndpoint, userEndpoint, user);
        // A DID's wiremap entry inherits its location's number; only a number of its own counts at this level.
        if (did is not null && Own(did.CallbackNumber, did.Location.CallbackNumber) is { } didOwn) return new(didOwn, CallbackSource.DidCallback, null, user);

        if (location is not null && IsNomadic(wiremap, location))
        {
            // The PSAP must reach the caller at home, not the office: the caller's own number, never a site's.
            var own = callingNumber is not null && callingNumber.StartsWith('+') ? callingNumber : user?.Dids is { Count: > 0 } dids ? dids[0] : null;
            if (own is not null) return new(own, CallbackSource.OwnNumber, null, user);
            return Tenant(wiremap, directory, callingNumber, user);
        }

        var place = location ?? did?.Location;
        var siteId = place?.SiteId ?? user?.SiteId;
        var site = siteId is null ? null : wiremap.FindLocation(siteId);
        if (place is not null && !place.IsSiteLevel && Own(place.CallbackNumber, site?.CallbackNumber) is { } locationOwn)
            return new(locationOwn, CallbackSource.LocationCallback, null, user);
        if (directory?.ForSite(siteId) is { } siteEndpoint) return new(siteEndpoint.CallbackNumber, CallbackSource.SiteEndpoint, siteEndpoint, user);
        if (site is { IsSiteLevel: true } && Own(site.CallbackNumber, wiremap.Tenant.CallbackNumber) is { } siteOwn)
            return new(siteOwn, CallbackSource.SiteCallback, null, user);
        return Tenant(wiremap, directory, callingNumber, user);
    }

    private static CallbackChoice Tenant(TenantIndex wiremap, TenantDirectory? directory, string? callingNumber, DirectoryUser? user)
    {
        if (directory?.ForTenant is { } tenantEndpoint) return new(tenantEndpoint.CallbackNumber, CallbackSource.TenantEndpoint, tenantEndpoint, user);
        if (PhoneNumber.Normalize(wiremap.Tenant.CallbackNumber) is { } tenantNumber) return new(tenantNumber, CallbackSource.TenantCallback, null, user);
        return callingNumber is null ? new(null, CallbackSource.None, null, user) : new(callingNumber, CallbackSource.CallingNumber, null, user);
    }

    // The wiremap stores effective numbers (a location's falls back to its site's, a site's to the tenant's): a level
    // has a number of its own where it differs from the one it would inherit.
    private static string? Own(string? effective, string? inherited)
    {
        var own = PhoneNumber.Normalize(effective);
        return own is not null && own != PhoneNumber.Normalize(inherited) ? own : null;
    }
}
