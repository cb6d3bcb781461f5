using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Endpoints;

/// <summary>
/// An emergency endpoint: the callback number (ECBN) a carrier presents to the PSAP as the emergency caller ID and
/// the billing address the carrier holds for it. The billing address is never a dispatch address.
/// </summary>
/// <param name="Id">Stable identifier chosen by the administrator, e.g. "hq-main".</param>
/// <param name="CallbackNumber">E.164 with '+', e.g. "+15125550100".</param>
/// <param name="BillingAddress">Civic address (RFC 5139) checked with <see cref="CivicAddressValidator"/>.</param>
/// <param name="Label">Free text for administrators.</param>
/// <param name="SiteId">The site whose managers own the endpoint; null for an endpoint of the whole domain.</param>
public sealed record EmergencyEndpoint(
    string Id,
    string CallbackNumber,
    CivicAddress BillingAddress,
    string? Label = null,
    string? SiteId = null);

/// <summary>What an endpoint assignment applies to; a more specific scope wins (device &gt; user &gt; site &gt; tenant).</summary>
public enum EndpointScope
{
    /// <summary>The whole tenant (the domain).</summary>
    Tenant = 0,
    /// <summary>Calls located at a site, and users whose home site it is when a call has no location.</summary>
    Site = 1,
    /// <summary>A user record, matched by the calling DID or one of the user's device MACs.</summary>
    User = 2,
    /// <summary>One device, by MAC (station MAC in signalling, or the MAC of the HELD device the token stands for).</summary>
    Device = 3,
}

/// <summary>An endpoint assigned to a scope.</summary>
/// <param name="Scope">What it applies to.</param>
/// <param name="Target">Empty for <see cref="EndpointScope.Tenant"/>; the site id, the user id, or the MAC in lower-case colon form.</param>
/// <param name="EndpointId">The endpoint presented.</param>
public sealed record EndpointAssignment(EndpointScope Scope, string Target, string EndpointId);

/// <summary>
/// A person of the tenant: who is calling, for alerts (Kari's Law notifications name the caller), and the scope of
/// per-user endpoints.
/// </summary>
/// <param name="Id">Stable identifier chosen by the administrator (an employee number, a user principal name).</param>
/// <param name="DisplayName">The name alerts show.</param>
/// <param name="Email">Contact address, if any.</param>
/// <param name="SiteId">The user's home site, if any ("apply to all users of the site" reaches the users of that site).</param>
/// <param name="Dids">The user's telephone numbers, E.164.</param>
/// <param name="DeviceMacs">The user's devices, MACs in lower-case colon form.</param>
public sealed record DirectoryUser(
    string Id,
    string DisplayName,
    string? Email = null,
    string? SiteId = null,
    IReadOnlyList<string>? Dids = null,
    IReadOnlyList<string>? DeviceMacs = null);

/// <summary>Everything of one tenant's endpoint directory as stored, at one version.</summary>
public sealed record TenantDirectoryData(
    string TenantId,
    long Version,
    IReadOnlyList<EmergencyEndpoint> Endpoints,
    IReadOnlyList<EndpointAssignment> Assignments,
    IReadOnlyList<DirectoryUser> Users);
