namespace LocationServer.Data.Storage;

// Administration: API keys and the audit trail. Kept apart from the wiremap rows: they are not part of any
// tenant's wiremap and survive its replacement.

internal sealed class AdminKeyRow
{
    /// <summary>Public key id (the part of the key that may be logged), e.g. "a1b2c3d4e5f60718".</summary>
    public string Id { get; set; } = "";
    /// <summary>Hex SHA-256 of the secret part; the secret itself is never stored.</summary>
    public string SecretSha256 { get; set; } = "";
    public string Role { get; set; } = "";
    public string? TenantId { get; set; }
    /// <summary>JSON array of site ids (site managers), or null.</summary>
    public string? Sites { get; set; }
    public string? Name { get; set; }
    public DateTime CreatedUtc { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTime? ExpiresUtc { get; set; }
    public DateTime? RevokedUtc { get; set; }
    public string? RevokedBy { get; set; }
}

internal sealed class AuditEntryRow
{
    /// <summary>32 hex digits that sort by time and order of recording, so it is also the paging cursor.</summary>
    public string Id { get; set; } = "";
    public DateTime TimeUtc { get; set; }
    public string Actor { get; set; } = "";
    public string ActorRole { get; set; } = "";
    public string? TenantId { get; set; }
    public string Kind { get; set; } = "";
    public string Method { get; set; } = "";
    public string Route { get; set; } = "";
    public string? ObjectId { get; set; }
    /// <summary>HTTP status of the outcome; null while the change runs (or when its outcome could not be recorded).</summary>
    public int? Status { get; set; }
    /// <summary>JSON, when the handler records what was there before.</summary>
    public string? Before { get; set; }
    /// <summary>JSON, when the handler records what is there after.</summary>
    public string? After { get; set; }
}
