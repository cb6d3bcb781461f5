using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;

namespace LocationServer.HeldHttp;

/// <summary>Outcome of authenticating a third-party requester (RFC 6155 §4.2, §5).</summary>
internal enum RequesterAuthResult
{
    /// <summary>Authenticated and authorised for the tenant.</summary>
    Authorized,
    /// <summary>No credentials and no trusted source address: challenge with 401.</summary>
    Unauthenticated,
    /// <summary>Credentials given but wrong: 401 again.</summary>
    BadCredentials,
}

/// <summary>
/// Authenticates parties that ask for another device's location (RFC 6155 third-party requests): an API key sent as
/// <c>Authorization: Bearer KEY</c> or as the Basic password of the requester's name, or a connection from one of
/// the requester's configured source ranges. The default policy is deny.
/// </summary>
internal static class RequesterAuthenticator
{
    /// <param name="context">The request.</param>
    /// <param name="tenant">The tenant whose requesters may authenticate.</param>
    /// <param name="requester">The requester authenticated, when authorised.</param>
    /// <param name="only">When set, only the requester of this name may authenticate (a reference-only URI's owner).</param>
    public static RequesterAuthResult Authenticate(HttpContext context, TenantIndex tenant, out Requester? requester, string? only = null)
    {
        requester = null;
        var header = context.Request.Headers.Authorization.ToString();
        if (!string.IsNullOrEmpty(header))
        {
            if (!AuthenticationHeaderValue.TryParse(header, out var auth) || string.IsNullOrEmpty(auth.Parameter))
                return RequesterAuthResult.BadCredentials;
            string? name = null;
            string key;
            if (auth.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            {
                key = auth.Parameter;
            }
            else if (auth.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            {
                string decoded;
                try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth.Parameter)); }
                catch (FormatException) { return RequesterAuthResult.BadCredentials; }
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0) return RequesterAuthResult.BadCredentials;
                name = decoded[..colon];
                key = decoded[(colon + 1)..];
            }
            else
            {
                return RequesterAuthResult.BadCredentials;
            }
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
            foreach (var candidate in tenant.Requesters)
            {
                if (candidate.KeySha256 is null || (name is not null && !string.Equals(name, candidate.Name, StringComparison.Ordinal))) continue;
                if (only is not null && !string.Equals(only, candidate.Name, StringComparison.Ordinal)) continue;
                byte[] expected;
                try { expected = Convert.FromHexString(candidate.KeySha256); }
                catch (FormatException) { continue; }
                if (CryptographicOperations.FixedTimeEquals(hash, expected))
                {
                    requester = candidate;
                    return RequesterAuthResult.Authorized;
                }
            }
            return RequesterAuthResult.BadCredentials;
        }

        var remote = context.Connection.RemoteIpAddress;
        if (remote is not null)
        {
            foreach (var candidate in tenant.Requesters)
            {
                if (candidate.SourceCidrs is null || (only is not null && !string.Equals(only, candidate.Name, StringComparison.Ordinal))) continue;
                foreach (var cidr in candidate.SourceCidrs)
                {
                    if (IpPrefix.TryParse(cidr, out var prefix) && prefix.Contains(remote))
                    {
                        requester = candidate;
                        return RequesterAuthResult.Authorized;
                    }
                }
            }
        }
        return RequesterAuthResult.Unauthenticated;
    }

    /// <summary>The challenge sent with a 401 (RFC 7235).</summary>
    public static string Challenge(string tenantId) => $"Bearer realm=\"{tenantId}\", Basic realm=\"{tenantId}\", charset=\"UTF-8\"";

    /// <summary>True when the address is loopback (used for the admin default).</summary>
    public static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address);
}
