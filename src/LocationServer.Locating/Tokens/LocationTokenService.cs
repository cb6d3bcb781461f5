using System.Security.Cryptography;
using LocationServer.Core.Matching;
using Microsoft.Extensions.Options;

namespace LocationServer.Locating.Tokens;

/// <summary>Issues and redeems location tokens; holds the sealing keys.</summary>
internal sealed class LocationTokenService
{
    private readonly LocationTokenCodec _codec;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;

    public LocationTokenService(IOptions<TokenOptions> options, IConfiguration configuration, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _lifetime = options.Value.Lifetime;
        var keys = new List<byte[]> { LoadCurrentKey(options.Value, configuration) };
        keys.AddRange(options.Value.PreviousKeys.Select(DecodeKey));
        _codec = new LocationTokenCodec(keys);
    }

    /// <summary>Issues a token for a device; returns it with its expiry. <paramref name="requester"/> reserves it to that requester.</summary>
    public (string Token, DateTimeOffset Expires) Issue(string tenantId, string deviceKey, Evidence evidence, bool testCall = false, string? requester = null)
    {
        var now = _time.GetUtcNow();
        // Whole seconds: the wire format carries seconds and HELD dates print without fractions.
        now = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var expires = now + _lifetime;
        var token = _codec.Seal(new LocationToken(tenantId, deviceKey, now, expires, evidence, testCall, requester));
        return (token, expires);
    }

    /// <summary>Opens a token; <paramref name="expectedTenant"/> null accepts any tenant.</summary>
    public TokenFailure TryRedeem(string? token, string? expectedTenant, out LocationToken? redeemed) =>
        _codec.TryOpen(token, expectedTenant, _time.GetUtcNow(), out redeemed);

    /// <summary>Extracts the token from a location URI (".../loc/{token}") or returns a bare token unchanged.</summary>
    public static string ExtractToken(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var text = reference.Trim().Trim('<', '>');
        var query = text.IndexOfAny(['?', '#']);
        if (query >= 0) text = text[..query];
        var slash = text.LastIndexOf('/');
        return slash >= 0 ? text[(slash + 1)..] : text;
    }

    private static byte[] LoadCurrentKey(TokenOptions options, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(options.Key)) return DecodeKey(options.Key);
        if (!string.IsNullOrEmpty(configuration.GetConnectionString("Postgres")))
            throw new OptionsValidationException(TokenOptions.Section, typeof(TokenOptions),
                ["Tokens:Key is required when PostgreSQL is configured: every replica must seal and open tokens with the same key."]);
        var directory = configuration["Storage:DataDirectory"] ?? "data";
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "token.key");
        if (File.Exists(path)) return DecodeKey(File.ReadAllText(path).Trim());
        var key = RandomNumberGenerator.GetBytes(32);
        File.WriteAllText(path, Convert.ToBase64String(key));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return key;
    }

    private static byte[] DecodeKey(string base64)
    {
        byte[] key;
        try { key = Convert.FromBase64String(base64); }
        catch (FormatException) { throw new OptionsValidationException(TokenOptions.Section, typeof(TokenOptions), ["Tokens keys must be base64."]); }
        if (key.Length != 32) throw new OptionsValidationException(TokenOptions.Section, typeof(TokenOptions), ["Tokens keys must decode to 32 bytes."]);
        return key;
    }
}
