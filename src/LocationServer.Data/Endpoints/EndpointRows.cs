namespace LocationServer.Data.Storage;

// Emergency endpoints and users (the endpoint directory). Kept apart from the wiremap tables: a whole-tenant wiremap
// import replaces sites and locations but never touches these, so site assignments and users name sites by id
// without a foreign key. Every row carries the tenant's directory version at its last write (its ETag).

internal sealed class EmergencyEndpointRow
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = "";
    /// <summary>E.164, normalised.</summary>
    public string CallbackNumber { get; set; } = "";
    public string? Label { get; set; }
    public string? SiteId { get; set; }
    /// <summary>RFC 5139 billing address as a JSON object keyed by element name.</summary>
    public string BillingCivic { get; set; } = "{}";
    public long Version { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
}

internal sealed class EndpointAssignmentRow
{
    public string TenantId { get; set; } = "";
    /// <summary><see cref="Core.Endpoints.EndpointScope"/>.</summary>
    public int Scope { get; set; }
    /// <summary>Empty for the tenant; site id, user id, or MAC (lower-case colon form).</summary>
    public string Target { get; set; } = "";
    public string EndpointId { get; set; } = "";
    public long Version { get; set; }
    public DateTime UpdatedUtc { get; set; }
}

internal sealed class DirectoryUserRow
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string? Email { get; set; }
    public string? SiteId { get; set; }
    public long Version { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
}

/// <summary>A DID of a user; a number belongs to at most one user of a tenant.</summary>
internal sealed class DirectoryUserNumberRow
{
    public string TenantId { get; set; } = "";
    public string Number { get; set; } = "";
    public string UserId { get; set; } = "";
    public int Ordinal { get; set; }
}

/// <summary>A device MAC of a user; a MAC belongs to at most one user of a tenant.</summary>
internal sealed class DirectoryUserDeviceRow
{
    public string TenantId { get; set; } = "";
    public string Mac { get; set; } = "";
    public string UserId { get; set; } = "";
    public int Ordinal { get; set; }
}

/// <summary>Per tenant, the number of the last directory change: bumped in every writing transaction.</summary>
internal sealed class EndpointDirectoryVersionRow
{
    public string TenantId { get; set; } = "";
    public long Version { get; set; }
}
