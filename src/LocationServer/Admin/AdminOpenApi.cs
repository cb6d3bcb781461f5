using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace LocationServer.Admin;

/// <summary>
/// The admin API in the OpenAPI document (<c>/openapi/v1.json</c>): the bearer security scheme (an admin key or an
/// OpenID Connect token) on every <c>/admin</c> operation, with its 401 and 403 answers; and the API reference page
/// at <c>/scalar</c> (Scalar), served from the package without any download. The document and the page are public:
/// they describe the API and hold no data; every operation they list still needs credentials.
/// </summary>
internal static class AdminOpenApi
{
    public const string SchemeName = "AdminBearer";
    public const string ReferencePath = "/scalar";

    public static IServiceCollection AddAdminOpenApi(this IServiceCollection services) =>
        services.ConfigureAll<OpenApiOptions>(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An admin key (lsk_…, created with 'admin-key create' or POST /admin/keys), the Admin:ApiKey break-glass key, " +
                        "or an OpenID Connect access token when Admin:Jwt is configured. See docs/administration.md.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.RelativePath?.StartsWith("admin", StringComparison.Ordinal) != true) return Task.CompletedTask;
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] });
                operation.Responses ??= [];
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No credentials, or an unknown, revoked or expired key or an invalid token (problem details)." });
                operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The caller's role, tenant or sites do not allow this operation (problem details)." });
                return Task.CompletedTask;
            });
        });

    /// <summary>The API reference page, reading the OpenAPI document; no fonts, telemetry or scripts from elsewhere.</summary>
    public static IEndpointRouteBuilder MapAdminApiReference(this IEndpointRouteBuilder app)
    {
        app.MapScalarApiReference(ReferencePath, options => options
            .WithTitle("LocationServer API")
            .DisableDefaultFonts()
            .DisableTelemetry()
            .AddPreferredSecuritySchemes(SchemeName));
        return app;
    }
}
