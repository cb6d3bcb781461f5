using LocationServer.Configuration;
using LocationServer.Data.Wiremap;

namespace LocationServer.Admin;

/// <summary>Administration API settings, section <c>Admin</c>.</summary>
internal sealed class AdminOptions : IValidatedOptions
{
    public const string Section = "Admin";

    /// <summary>
    /// API key required as <c>Authorization: Bearer KEY</c> on <c>/admin/*</c>. Default: none, in which case the
    /// admin API answers only connections from loopback addresses.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Largest wiremap document accepted by <c>PUT /admin/tenants/{tenant}/wiremap</c> and the <c>import</c> and
    /// <c>validate</c> commands, in bytes (1 MiB to 1 GiB). Default 67,108,864 (64 MiB, about 500,000 elements).
    /// </summary>
    public int MaxWiremapBytes { get; set; } = WiremapJson.MaxDocumentBytes;

    public IEnumerable<string> Validate(IConfiguration configuration)
    {
        if (MaxWiremapBytes is < 1024 * 1024 or > 1024 * 1024 * 1024)
            yield return $"Admin:MaxWiremapBytes must lie between 1048576 (1 MiB) and 1073741824 (1 GiB); it is {MaxWiremapBytes}.";
        if (ApiKey is { Length: > 0 and < 16 }) yield return "Admin:ApiKey must be at least 16 characters.";
    }
}
