namespace LocationServer.Data.Storage;

// Table rows. Every row of the wiremap carries its tenant; keys are composite (tenant, natural id) so that a
// tenant's wiremap can be replaced whole without touching anyone else's.

internal sealed class TenantRow
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public Guid? CompanyUuid { get; set; }
    public bool DidFallback { get; set; }
    public string? CallbackNumber { get; set; }
}

internal sealed class SiteRow
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = "";
    public int Ordinal { get; set; }
    public string Name { get; set; } = "";
    /// <summary>RFC 5139 civic address as a JSON object keyed by element name.</summary>
    public string Civic { get; set; } = "{}";
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }
    public double? Altitude { get; set; }
    public string? CallbackNumber { get; set; }
    /// <summary>GIS data version the point was geocoded from; null when given by the administrator.</summary>
    public long? GeocodedVersion { get; set; }
    /// <summary>Microsoft Teams LIS CivicAddressId and DefaultLocationId, when imported from Teams files.</summary>
    public Guid? TeamsCivicAddressId { get; set; }
    public Guid? TeamsLocationId { get; set; }
}

internal sealed class LocationRow
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = "";
    public int Ordinal { get; set; }
    public string SiteId { get; set; } = "";
    public string? Floor { get; set; }
    public string? Unit { get; set; }
    public string? Room { get; set; }
    public string? Text { get; set; }
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }
    public double? Altitude { get; set; }
    /// <summary>JSON array of E.164 numbers, or null.</summary>
    public string? Elins { get; set; }
    public string? CallbackNumber { get; set; }
    /// <summary>GIS data version the point was geocoded from; null when given by the administrator.</summary>
    public long? GeocodedVersion { get; set; }
    /// <summary>Microsoft Teams LIS LocationId, when imported from a Teams file.</summary>
    public Guid? TeamsLocationId { get; set; }
}

internal sealed class NetworkElementRow
{
    public string TenantId { get; set; } = "";
    public int Ordinal { get; set; }
    public int Kind { get; set; }
    public string Value { get; set; } = "";
    public string NormalizedValue { get; set; } = "";
    public string? LocationId { get; set; }
    public string? SiteId { get; set; }
    public bool OffPremises { get; set; }
    public string? Description { get; set; }
}

internal sealed class DidRow
{
    public string TenantId { get; set; } = "";
    /// <summary>E.164, normalised.</summary>
    public string Number { get; set; } = "";
    public int Ordinal { get; set; }
    /// <summary>The number as the administrator wrote it.</summary>
    public string Value { get; set; } = "";
    public string LocationId { get; set; } = "";
    public string? CallbackNumber { get; set; }
    public bool HeldCapable { get; set; }
    public string? UserName { get; set; }
}

internal sealed class RequesterRow
{
    public string TenantId { get; set; } = "";
    public string Name { get; set; } = "";
    public int Ordinal { get; set; }
    public string? KeySha256 { get; set; }
    /// <summary>JSON array of CIDR strings, or null.</summary>
    public string? SourceCidrs { get; set; }
    /// <summary>Answered by location URI only (RFC 6753).</summary>
    public bool ReferenceOnly { get; set; }
}

internal sealed class WiremapVersionRow
{
    public int Id { get; set; }
    public long Version { get; set; }
}

internal sealed class NomadicAddressRow
{
    public string TenantId { get; set; } = "";
    public string DeviceKey { get; set; } = "";
    public string NetworkFingerprint { get; set; } = "";
    public string Civic { get; set; } = "{}";
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
    /// <summary>Geocoded point of the address (GIS data), when it was valid and could be placed.</summary>
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }
    /// <summary>GIS validation when stored: valid, invalid or unchecked, with the reason.</summary>
    public string? Validation { get; set; }
}

internal sealed class CallRecordRow
{
    public Guid Id { get; set; }
    public string TenantId { get; set; } = "";
    public DateTime TimeUtc { get; set; }
    public string Dialed { get; set; } = "";
    public string? CallingNumber { get; set; }
    public string? TokenHash { get; set; }
    public string LocationSource { get; set; } = "";
    public string? LocationId { get; set; }
    public string? CivicDisplay { get; set; }
    public string RouteKind { get; set; } = "";
    public string? RouteUri { get; set; }
    public string? RouteName { get; set; }
    public string? CallbackNumber { get; set; }
    public bool TestCall { get; set; }
    public string? CallId { get; set; }
    /// <summary>The emergency policy that decided the route, when one did.</summary>
    public string? PolicyId { get; set; }
}

internal sealed class ElinAssignmentRow
{
    public string TenantId { get; set; } = "";
    public string Elin { get; set; } = "";
    public string CallerNumber { get; set; } = "";
    public string LocationId { get; set; } = "";
    public DateTime AssignedUtc { get; set; }
    public DateTime ExpiresUtc { get; set; }
}

internal sealed class AlertTargetRow
{
    public Guid Id { get; set; }
    public string TenantId { get; set; } = "";
    public string Url { get; set; } = "";
    /// <summary>Comma-separated event kinds.</summary>
    public string Kinds { get; set; } = "";
    public string? Secret { get; set; }
    /// <summary>"tenant", "site" or "location" (migration 20261206000101; rows before it are tenant scope).</summary>
    public string Scope { get; set; } = "tenant";
    /// <summary>Site or location id for site and location scope.</summary>
    public string? ScopeId { get; set; }
    /// <summary>
    /// The target's further addresses of the channel of <see cref="Url"/>, space-separated (URIs hold no spaces); null
    /// for a target with one address (migration 20261207000101).
    /// </summary>
    public string? Addresses { get; set; }
}

internal sealed class AlertDeliveryRow
{
    public Guid Id { get; set; }
    public Guid TargetId { get; set; }
    public string TenantId { get; set; } = "";
    public string EventKind { get; set; } = "";
    public string Payload { get; set; } = "{}";
    public int Attempts { get; set; }
    public int Status { get; set; }
    public string? LastError { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime? LastAttemptUtc { get; set; }
    public DateTime NextAttemptUtc { get; set; }
    public DateTime? DeliveredUtc { get; set; }
}

internal sealed class UnknownNetworkEventRow
{
    public Guid Id { get; set; }
    public string TenantId { get; set; } = "";
    public string DeviceKey { get; set; } = "";
    public string NetworkFingerprint { get; set; } = "";
    public DateTime TimeUtc { get; set; }
    public int RequestCount { get; set; } = 1;
    public DateTime? LastUtc { get; set; }
}

// GIS data (the authority's NENA layers): shared by all tenants, one row per loaded version.

internal sealed class GisDatasetRow
{
    public long Version { get; set; }
    public string Name { get; set; } = "";
    /// <summary>gpkg, zip (shapefiles) or csv (MSAG).</summary>
    public string Format { get; set; } = "";
    public byte[] Content { get; set; } = [];
    public string Sha256 { get; set; } = "";
    public DateTime LoadedUtc { get; set; }
    public int Features { get; set; }
    public int Problems { get; set; }
}

/// <summary>A tenant's choice for addresses the GIS data finds invalid when its wiremap is saved.</summary>
internal sealed class GisTenantSettingRow
{
    public string TenantId { get; set; } = "";
    /// <summary>refuse or warn.</summary>
    public string InvalidAddresses { get; set; } = "warn";
    public DateTime UpdatedUtc { get; set; }
}

internal sealed class AlertRow
{
    public string Id { get; set; } = "";
    public string TenantId { get; set; } = "";
    public string Kind { get; set; } = "";
    public DateTime TimeUtc { get; set; }
    public string Summary { get; set; } = "{}";
    public string? AcknowledgedBy { get; set; }
    public DateTime? AcknowledgedUtc { get; set; }
}
