using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LocationServer.Admin;

/// <summary>
/// Who may use <c>/admin</c>: the one policy every admin endpoint requires. A request is authenticated by
/// <c>Authorization: Bearer {Admin:ApiKey}</c>, or, when no key is configured, by coming from a loopback address directly (not through a trusted proxy).
/// Authorization runs before the endpoint, so an anonymous caller gets 401 before any request body is read.
/// </summary>
internal static class AdminAuthentication
{
    public const string Scheme = "AdminKey";
    public const string Policy = "Admin";

    public static IServiceCollection AddAdminAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, AdminKeyHandler>(Scheme, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        return services;
    }

    /// <summary>Checks the admin key (constant time) or the loopback default.</summary>
    internal sealed class AdminKeyHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        IOptions<AdminOptions> admin)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        private static readonly AuthenticateResult Authenticated = AuthenticateResult.Success(
            new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin")], AdminAuthentication.Scheme)), AdminAuthentication.Scheme));

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var key = admin.Value.ApiKey;
            if (string.IsNullOrEmpty(key))
            {
                // The connection's own source, never a forwarded one: a request relayed by a proxy on this machine is not local.
                return Task.FromResult(Hosting.ForwardedRequest.IsDirectLoopback(Context)
                    ? Authenticated
                    : AuthenticateResult.Fail("The admin API answers only direct loopback connections when Admin:ApiKey is not set."));
            }
            var header = Request.Headers.Authorization.ToString();
            const string prefix = "Bearer ";
            if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return Task.FromResult(AuthenticateResult.NoResult());
            var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[prefix.Length..].Trim()));
            var expected = SHA256.HashData(Encoding.UTF8.GetBytes(key));
            return Task.FromResult(CryptographicOperations.FixedTimeEquals(given, expected)
                ? Authenticated
                : AuthenticateResult.Fail("Wrong admin key."));
        }

        protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = "Bearer realm=\"admin\"";
            return Task.CompletedTask;
        }
    }
}
