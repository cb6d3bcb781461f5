using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Data.Storage;
using LocationServer.Data.Wiremap;
using LocationServer.Errors;
using LocationServer.Locating.Configuration;
using LocationServer.Locating.Wiremap;
using Microsoft.Extensions.Options;

namespace LocationServer.Admin;

/// <summary>
/// Wiremap administration: import (validated whole, applied atomically, live on every replica within a second),
/// export, and "explain" — which rule and which element a given set of evidence matches, so a deployer can see
/// why a phone got its address.
/// </summary>
internal static class AdminEndpoints
{
    public static IServiceCollection AddAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AdminOptions>(configuration, AdminOptions.Section);
        services.AddAdminAuthentication(configuration);
        services.AddAdminOpenApi();
        return services;
    }

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").WithTags("Administration").RequireAuthorization(AdminAuthentication.Policy).WithAuditTrail();

        admin.MapGet("/tenants", (string? name, int? offset, int? limit, WiremapIndexHolder holder, HttpContext context) =>
        {
            if (EndpointDirectoryHttp.Paging(offset, limit ?? EndpointDirectoryHttp.MaxLimit, out var start, out var count) is { } bad) return bad;
            return Results.Ok(holder.Current.Tenants.Where(t => AdminCaller.From(context.User)!.CoversTenant(t.Tenant.Id) && SiteAdmin.Contains(t.Tenant.Id + " " + t.Tenant.Name, name))
                .OrderBy(t => t.Tenant.Id, StringComparer.Ordinal).Skip(start).Take(count).Select(t => new
                {
                    id = t.Tenant.Id,
                    name = t.Tenant.Name,
                    companyUuid = t.Tenant.CompanyUuid,
                    didFallback = t.Tenant.DidFallback,
                    elements = t.ElementCount,
                    locations = t.Locations.Count(),
                }));
        }).WithAdminAccess(AdminAccess.AnyCaller).WithSummary("List the tenants the caller may see, with their wiremap sizes, by id; name= filters by a part of the id or name, offset= and limit= (default 1000) page.");

        admin.MapGet("/tenants/{tenant}/wiremap", async (string tenant, WiremapStore store, CancellationToken ct) =>
        {
            var wiremap = await store.GetTenantAsync(tenant, ct).ConfigureAwait(false);
            if (wiremap is null) return Problems.UnknownTenant(tenant);
            var stream = new MemoryStream();
            WiremapJson.Write(stream, wiremap);
            stream.Position = 0;
            return Results.Stream(stream, "application/json");
        }).WithSummary("Export a tenant's wiremap as JSON (docs/wiremap-format.md).");

        admin.MapPut("/tenants/{tenant}/wiremap", async (string tenant, bool? dryRun, HttpContext context, WiremapImporter importer, WiremapStore store, WiremapIndexHolder holder, IOptions<AdminOptions> options, CancellationToken ct) =>
        {
            // Creating a tenant is the system role's; a tenant admin replaces its own existing tenant.
            if (!holder.Current.TryGetTenant(tenant, out _) && AdminCaller.From(context.User)!.Role != AdminRole.System)
                return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: $"Tenant '{tenant}' does not exist; only a system administrator creates tenants.");
            AdminAudit.RecordBefore(context, await store.CountTenantAsync(tenant, ct).ConfigureAwait(false));
            // Kestrel's own body limit (about 28.6 MiB) would cut a large wiremap short. The importer enforces the
            // cap and may read one chunk past it before it stops, so Kestrel's limit sits above that.
            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = options.Value.MaxWiremapBytes + (1L << 20);
            var result = await importer.ImportAsync(context.Request.Body, tenant, ct, dryRun ?? false).ConfigureAwait(false);
            if (result.StorageUnavailable) return Problems.Unavailable(result.Errors);
            if (result.Errors.Count > 0) return Problems.Invalid(result.Errors);
            if (result.DryRun) return TypedResults.Ok(WiremapChanges.From(result));
            AdminAudit.RecordAfter(context, await store.CountTenantAsync(tenant, ct).ConfigureAwait(false));
            return Results.Ok(new { tenant = result.TenantId, version = result.Version, warnings = result.Warnings });
        }).WithAuditKind("wiremap.import").WithSummary("Replace a tenant's whole wiremap (a new tenant: system only); rejected whole on any error; dryRun=true only returns what would be added, changed and removed per kind.");

        admin.MapGet("/tenants/{tenant}/explain", (string tenant, string? ip, string? mac, string? bssid, string? chassis, string? port, string? gateway, WiremapIndexHolder holder) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            LldpNeighbour[] lldp = [];
            if (chassis is not null)
            {
                if (!LldpId.TryParse(chassis, isPort: false, out var c) || !LldpId.TryParse(port ?? "", isPort: true, out var p))
                {
                    if (c is null) return Problems.Invalid("chassis does not parse");
                    p = new LldpId(0, [0]);
                }
                lldp = [new LldpNeighbour(c!, p!)];
            }
            var evidence = new Evidence
            {
                SourceAddress = ip is not null && IPAddress.TryParse(ip, out var address) ? address : null,
                DeviceMac = mac is not null && MacAddress.TryParse(mac, out var m) ? m : null,
                ServingBssid = bssid is not null && MacAddress.TryParse(bssid, out var b) ? b : null,
                GatewayMac = gateway is not null && MacAddress.TryParse(gateway, out var g) ? g : null,
                Lldp = lldp,
            };
            var match = index.Match(evidence);
            return Results.Ok(new
            {
                rule = match.Rule.ToString(),
                evidence = match.Evidence.ToString(),
                offPremises = match.OffPremises,
                element = match.Element is null ? null : new { kind = match.Element.Kind.ToString(), value = match.Element.Value, description = match.Element.Description },
                location = match.Location is null ? null : new { id = match.Location.Id, display = match.Location.Display, point = match.Location.Point },
            });
        }).WithSummary("Show which wiremap rule and element the given evidence matches, and the resulting location.");

        admin.MapAlertAdmin();
        admin.MapDeviceBindings();
        admin.MapAdminKeys();
        admin.MapAuditTrail();
        admin.MapOperations();
        app.MapAdminApiReference();
        admin.MapEmergencyEndpoints().MapDirectoryUsers();
        admin.MapImportsAndExports();
        admin.MapGis();
        admin.MapEmergencyPolicies();
        admin.MapTenants().MapSitesAndLocations().MapNetworkObjects().MapPsapBoundaries();

        return app;
    }
}
