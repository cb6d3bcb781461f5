using LocationServer.Locating.Configuration;

namespace LocationServer.Locating.Tokens;

/// <summary>Location URI (token) settings, section <c>Tokens</c>.</summary>
internal sealed class TokenOptions : IValidatedOptions
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
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(24);

    public IEnumerable<string> Validate(IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(Key))
        {
            if (configuration.HasPostgres())
                yield return "Tokens:Key is required when PostgreSQL is configured: every replica must seal and open location URIs with the same key (base64 of 32 random bytes, e.g. `openssl rand -base64 32`).";
        }
        else if (!IsKey(Key))
        {
            yield return "Tokens:Key must be base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`).";
        }
        for (var i = 0; i < PreviousKeys.Count; i++)
            if (!IsKey(PreviousKeys[i])) yield return $"Tokens:PreviousKeys:{i} must be base64 of exactly 32 bytes.";
        if (Lifetime < TimeSpan.FromMinutes(30) || Lifetime > TimeSpan.FromHours(24))
            yield return $"Tokens:Lifetime must lie between 00:30:00 and 1.00:00:00 (RFC 5985 §6.5, NENA); it is {Lifetime}.";
    }

    private static bool IsKey(string text)
    {
        Span<byte> bytes = stackalloc byte[64];
        return Convert.TryFromBase64String(text.Trim(), bytes, out var written) && written == 32;
    }
}
