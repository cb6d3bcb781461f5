using LocationServer.Core.Matching;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace LocationServer.Admin;

/// <summary>The requirement every <c>/admin</c> operation carries; <see cref="AdminAuthorizationHandler"/> decides it.</summary>
internal sealed class AdminAccessRequirement : IAuthorizationRequirement;

/// <summary>
/// The one authorization decision for the admin API: the operation's class (its <see cref="AdminAccessMetadata"/>, or
/// the default from its method and route), the route's <c>{tenant}</c> (an alias such as the company UUID counts as
/// the tenant it names) and <c>{site}</c>, against the caller's role and scope (<see cref="AdminCaller.Allows"/>).
/// </summary>
internal sealed class AdminAuthorizationHandler(WiremapIndexHolder holder) : AuthorizationHandler<AdminAccessRequirement>
{
    public const string DecisionItem = "admin.refusal";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminAccessRequirement requirement)
    {
        var http = context.Resource as HttpContext;
        var caller = AdminCaller.From(context.User);
        if (http is null || caller is null)
        {
            if (http is not null) http.Items[DecisionItem] = "These credentials carry no administrator role.";
            return Task.CompletedTask;
        }
        var (access, tenant, site) = Classify(http, holder);
        if (caller.Allows(access, tenant, site)) context.Succeed(requirement);
        else http.Items[DecisionItem] = $"{caller.Describe()} may not perform this operation ({access}{(tenant is null ? "" : $" on tenant '{tenant}'")}{(site is null ? "" : $", site '{site}'")}).";
        return Task.CompletedTask;
    }

    /// <summary>The operation's class and the tenant and site its route names.</summary>
    public static (AdminAccess Access, string? Tenant, string? Site) Classify(HttpContext http, WiremapIndexHolder holder)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(holder);
        var tenant = http.Request.RouteValues.TryGetValue("tenant", out var t) ? t?.ToString() : null;
        if (tenant is not null && holder.Current.TryGetTenant(tenant, out var index)) tenant = index.Tenant.Id;
        var site = http.Request.RouteValues.TryGetValue("site", out var s) ? s?.ToString() : null;
        var declared = http.GetEndpoint()?.Metadata.GetMetadata<AdminAccessMetadata>()?.Access;
        var read = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        var access = declared ?? (tenant, site, read) switch
        {
            (null, _, true) => AdminAccess.SystemRead,
            (null, _, false) => AdminAccess.SystemWrite,
            (_, null, true) => AdminAccess.TenantRead,
            (_, null, false) => AdminAccess.TenantWrite,
            (_, _, true) => AdminAccess.SiteRead,
            _ => AdminAccess.SiteWrite,
        };
        return (access, tenant, site);
    }
}

/// <summary>Admin refusals as RFC 9457 problem documents: 401 says how to authenticate, 403 says who the caller is and what was refused.</summary>
internal sealed class AdminAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
        if (!policy.Requirements.OfType<AdminAccessRequirement>().Any() || context.Response.HasStarted) return;
        if (authorizeResult.Challenged)
        {
            var failure = context.Items[AdminAuthentication.FailureItem] as string;
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Authentication required.",
                detail: failure ?? "Send Authorization: Bearer with an admin key or token (docs/administration.md).").ExecuteAsync(context).ConfigureAwait(false);
        }
        else if (authorizeResult.Forbidden)
        {
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
                detail: context.Items[AdminAuthorizationHandler.DecisionItem] as string ?? "This caller may not perform this operation.").ExecuteAsync(context).ConfigureAwait(false);
        }
    }
}
