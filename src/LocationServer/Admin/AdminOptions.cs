namespace LocationServer.Admin;

/// <summary>Administration API settings, section <c>Admin</c>.</summary>
internal sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>
    /// API key required as <c>Authorization: Bearer KEY</c> on <c>/admin/*</c>. Default: none, in which case the
    /// admin API answers only connections from loopback addresses.
    /// </summary>
    public string? ApiKey { get; set; }
}
