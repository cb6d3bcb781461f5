using LocationServer.Locating.Configuration;

namespace LocationServer.Locating.Held;

/// <summary>HELD service settings, section <c>Held</c>.</summary>
internal sealed class HeldOptions : IValidatedOptions
{
    public const string Section = "Held";

    /// <summary>
    /// Tenant answered on <c>POST /held</c> when the request names none (no path segment, no company UUID).
    /// Default: none, in which case a deployment with exactly one tenant answers for it.
    /// </summary>
    public string? DefaultTenant { get; set; }

    /// <summary>
    /// Absolute base URL location URIs are minted under, e.g. <c>https://lis.example.com</c>. Required with PostgreSQL.
    /// Default (embedded only): the scheme of the request and the local address and port it reached; never the
    /// request's <c>Host</c> header, which the client chooses.
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

    public IEnumerable<string> Validate(IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(PublicBaseUrl))
        {
            if (configuration.HasPostgres())
                yield return "Held:PublicBaseUrl is required when PostgreSQL is configured: location URIs must name the host phones and call servers reach (e.g. https://lis.example.com).";
        }
        else if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ||
                 !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            yield return $"Held:PublicBaseUrl must be an absolute http or https URL without query, fragment or credentials (e.g. https://lis.example.com); it is '{PublicBaseUrl}'.";
        }
        if (string.IsNullOrWhiteSpace(EntityDomain)) yield return "Held:EntityDomain must not be empty.";
        if (MaxRequestBytes is < 1024 or > 1024 * 1024) yield return $"Held:MaxRequestBytes must lie between 1024 and 1048576; it is {MaxRequestBytes}.";
        if (DeviceReportLifetime < TimeSpan.FromMinutes(1) || DeviceReportLifetime > TimeSpan.FromDays(7))
            yield return $"Held:DeviceReportLifetime must lie between 00:01:00 and 7.00:00:00; it is {DeviceReportLifetime}.";
        if (RetentionPeriod <= TimeSpan.Zero) yield return $"Held:RetentionPeriod must be positive; it is {RetentionPeriod}.";
    }
}
