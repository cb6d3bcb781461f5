using System.ComponentModel.DataAnnotations;

namespace LocationServer.Tokens;

/// <summary>Location URI (token) settings, section <c>Tokens</c>.</summary>
internal sealed class TokenOptions
{
    public const string Section = "Tokens";

    /// <summary>
    /// Base64 of the 32-byte AES key that seals tokens. Every replica (and the routing service) needs the same key.
    /// Default: none; the embedded default creates one in <c>{Storage:DataDirectory}/token.key</c>. Required when
    /// PostgreSQL is configured.
    /// </summary>
    public string? Key { get; set; }

    /// <summary>Older keys (base64) still accepted for redemption during a key rotation. Default: none.</summary>
    public List<string> PreviousKeys { get; set; } = [];

    /// <summary>
    /// Lifetime of a location URI (the <c>expires</c> of the locationUriSet, RFC 5985 §6.5). Default 24 hours;
    /// must lie between 30 minutes and 24 hours.
    /// </summary>
    [Range(typeof(TimeSpan), "00:30:00", "1.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(24);
}
