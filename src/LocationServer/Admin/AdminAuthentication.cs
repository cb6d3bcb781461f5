using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LocationServer.Locating.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace LocationServer.Admin;

/// <summary>
/// Who may use <c>/admin</c>. A request is authenticated by <c>Authorization: Bearer</c> with a database key
/// (<c>lsk_…</c>), the configured <c>Admin:ApiKey</c> (system), or a JWT from the configured OpenID Connect
/// authority; on the embedded default (no PostgreSQL) with no <c>Admin:ApiKey</c>, a direct loopback connection
/// without credentials is system too. Then one policy (<see cref="AdminAuthorizationHandler"/>) decides from the
/// caller's role, the route's <c>{tenant}</c> and <c>{site}</c>, and the operation's <see cref="AdminAccess"/>.
/// Authorization runs before the endpoint, so an anonymous caller gets 401 before any request body is read.
/// </summary>
internal static class AdminAuthentication
{
    /// <summary>The scheme the admin policy names: picks the key or the JWT scheme per request.</summary>
    public const string Scheme = "Admin";
    public const string KeyScheme = "AdminKey";
    public const string JwtScheme = "AdminJwt";
    public const string Policy = "Admin";

    /// <summary>Where the authentication handlers leave why credentials were refused, for the 401's detail.</summary>
    public const string FailureItem = "admin.authentication-failure";

    public static IServiceCollection AddAdminAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var jwt = configuration.GetSection(AdminOptions.Section).Get<AdminOptions>()?.Jwt ?? new AdminJwtOptions();
        var authentication = services.AddAuthentication()
            .AddPolicyScheme(Scheme, "Admin key or bearer token", options => options.ForwardDefaultSelector = context =>
                jwt.Enabled && BearerToken(context.Request) is { } token && !AdminKeyService.LooksLikeKey(token) && token.Count(c => c == '.') == 2
                    ? JwtScheme
                    : KeyScheme)
            .AddScheme<AuthenticationSchemeOptions, AdminKeyHandler>(KeyScheme, null);
        if (jwt.Enabled) authentication.AddJwtBearer(JwtScheme, options => AdminJwt.Configure(options, jwt));
        services.AddSingleton<AdminKeyService>();
        services.AddSingleton<IAuthorizationHandler, AdminAuthorizationHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AdminAuthorizationResultHandler>();
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(Scheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new AdminAccessRequirement()));
        return services;
    }

    internal static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        return header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? header[prefix.Length..].Trim() : null;
    }

    /// <summary>Checks a database key, the configured key (constant time), or the loopback default.</summary>
    internal sealed class AdminKeyHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        IOptions<AdminOptions> admin,
        IConfiguration configuration,
        AdminKeyService keys)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var configured = admin.Value.ApiKey;
            var token = BearerToken(Request);
            if (token is null)
            {
                // The convenience of the embedded default only: never with PostgreSQL (a shared deployment), never
                // once a key is configured, and only the connection's own source (a relayed request is not local).
                if (string.IsNullOrEmpty(configured) && !configuration.HasPostgres() && Hosting.ForwardedRequest.IsDirectLoopback(Context))
                    return Success(AdminCaller.Create(AdminRole.System, null, [], "loopback")!);
                return AuthenticateResult.NoResult();
            }
            if (AdminKeyService.LooksLikeKey(token))
            {
                var (caller, refusal) = await keys.AuthenticateAsync(token, Context.RequestAborted).ConfigureAwait(false);
                return caller is null ? Refuse(refusal!) : Success(caller);
            }
            if (!string.IsNullOrEmpty(configured))
            {
                var given = SHA256.HashData(Encoding.UTF8.GetBytes(token));
                var expected = SHA256.HashData(Encoding.UTF8.GetBytes(configured));
                if (CryptographicOperations.FixedTimeEquals(given, expected))
                    return Success(AdminCaller.Create(AdminRole.System, null, [], "config-key")!);
            }
            return Refuse("Unknown admin key.");
        }

        private AuthenticateResult Refuse(string reason)
        {
            Context.Items[FailureItem] = reason;
            return AuthenticateResult.Fail(reason);
        }

        private static AuthenticateResult Success(AdminCaller caller) => AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(caller.ToClaims(), KeyScheme, AdminCaller.ActorClaim, AdminCaller.RoleClaim)), KeyScheme));

        protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = "Bearer realm=\"admin\"";
            return Task.CompletedTask;
        }
    }
}

/// <summary>
/// OpenID Connect bearer tokens: validated against the authority's keys (or configured PEM keys), the audience and
/// issuer, then the configured role, tenant and sites claims become the caller's (<see cref="AdminCaller"/>). A token
/// whose role maps to nothing authenticates but is refused every operation (403).
/// </summary>
internal static class AdminJwt
{
    public static void Configure(JwtBearerOptions options, AdminJwtOptions jwt)
    {
        options.MapInboundClaims = false;
        if (!string.IsNullOrWhiteSpace(jwt.Authority)) options.Authority = jwt.Authority;
        options.Audience = jwt.Audience;
        options.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        options.TokenValidationParameters.ValidAudience = jwt.Audience;
        if (!string.IsNullOrWhiteSpace(jwt.Issuer)) options.TokenValidationParameters.ValidIssuer = jwt.Issuer;
        var keys = jwt.SigningKeys.Select(ReadKey).OfType<SecurityKey>().ToList();
        if (keys.Count > 0) options.TokenValidationParameters.IssuerSigningKeys = keys;
        options.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(30);
        options.Events = new JwtBearerEvents
        {
            OnAuthenticationFailed = context =>
            {
                context.HttpContext.Items[AdminAuthentication.FailureItem] = "The bearer token was refused: " + context.Exception.GetType().Name + ".";
                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                if (context.Principal is { } principal && Map(principal, jwt) is { } caller)
                    principal.AddIdentity(new ClaimsIdentity(caller.ToClaims(), AdminAuthentication.JwtScheme, AdminCaller.ActorClaim, AdminCaller.RoleClaim));
                return Task.CompletedTask;
            },
        };
    }

    /// <summary>The caller a validated token describes, or null when its role claim names no role (or its scope does not fit).</summary>
    public static AdminCaller? Map(ClaimsPrincipal principal, AdminJwtOptions jwt)
    {
        ArgumentNullException.ThrowIfNull(principal);
        AdminRole? role = null;
        foreach (var value in Values(principal, jwt.RoleClaim))
        {
            var name = jwt.Roles.TryGetValue(value, out var mapped) ? mapped : value;
            if (AdminRoles.TryParse(name, out var parsed) && (role is null || parsed < role)) role = parsed;
        }
        if (role is null) return null;
        var tenant = Values(principal, jwt.TenantClaim).FirstOrDefault();
        var sites = Values(principal, jwt.SitesClaim).ToList();
        var subject = principal.FindFirst("sub")?.Value ?? principal.FindFirst("oid")?.Value ?? "unknown";
        return AdminCaller.Create(role.Value, tenant, sites, "jwt:" + subject);
    }

    /// <summary>A claim's values, whether repeated, a JSON array, or comma-separated.</summary>
    private static IEnumerable<string> Values(ClaimsPrincipal principal, string type)
    {
        foreach (var claim in principal.FindAll(type))
        {
            var value = claim.Value.Trim();
            if (value.StartsWith('['))
            {
                string[]? array = null;
                try
                {
                    array = JsonSerializer.Deserialize<string[]>(value);
                }
                catch (JsonException)
                {
                }
                foreach (var item in array ?? []) if (!string.IsNullOrWhiteSpace(item)) yield return item.Trim();
                continue;
            }
            foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) yield return item;
        }
    }

    /// <summary>A PEM public key (RSA or EC) as a signing key, or null when it is neither.</summary>
    public static SecurityKey? ReadKey(string pem)
    {
        if (string.IsNullOrWhiteSpace(pem)) return null;
        try
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa);
        }
        catch (ArgumentException)
        {
        }
        catch (CryptographicException)
        {
        }
        try
        {
            var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return new ECDsaSecurityKey(ec);
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
