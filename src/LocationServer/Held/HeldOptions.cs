namespace LocationServer.Held;

/// <summary>HELD service settings, section <c>Held</c>.</summary>
internal sealed class HeldOptions
{
    public const string Section = "Held";

    /// <summary>
    /// Tenant answered on <c>POST /held</c> when the request names none (no path segment, no company UUID).
    /// Default: none, in which case a deployment with exactly one tenant answers for it.
    /// </summary>
    public string? DefaultTenant { get; set; }

    /// <summary>
    /// Absolute base URL location URIs are minted under, e.g. <c>https://lis.example.com</c>. Default: the scheme
    /// and host of the request that asked for the URI.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Host part of the unlinkable PIDF-LO entity (<c>pres:random@host</c>). Default <c>lis.invalid</c>.</summary>
    public string EntityDomain { get; set; } = "lis.invalid";

    /// <summary>Whether an answer to <c>any</c> (or no locationType) also carries a location URI. Default true.</summary>
    public bool UriWhenAny { get; set; } = true;

    /// <summary>Largest HELD request body accepted, in bytes. Default 65536.</summary>
    public int MaxRequestBytes { get; set; } = 64 * 1024;

    /// <summary>How long a device's last network report is kept for identity queries and dereference. Default 24 hours.</summary>
    public TimeSpan DeviceReportLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>retention-expiry of PIDF-LOs relative to their timestamp (RFC 4119 §2.2.2). Default 24 hours.</summary>
    public TimeSpan RetentionPeriod { get; set; } = TimeSpan.FromHours(24);
}
