using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using LocationServer.Core.Matching;
using LocationServer.Errors;
using LocationServer.Routing.Alerts;

namespace LocationServer.Admin;

/// <summary>
/// The live alert feed for a security-desk screen: <c>GET /admin/tenants/{tenant}/alerts/live</c>, Server-Sent
/// Events (<c>text/event-stream</c>), under the admin authorization. First a <c>ready</c> event (the screen is
/// listening), then each alert of the tenant as it is raised on any node, its kind as the event type
/// (<c>emergency-call</c>, <c>test-call</c>, <c>relay-center-call</c>, <c>unknown-network</c>), its id as the event id
/// and the webhook JSON as the data; a <c>keep-alive</c> event every 15 s of silence keeps proxies from closing it.
/// </summary>
internal static class AlertFeedEndpoints
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapAlertFeed(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").WithTags("Administration").RequireAuthorization(AdminAuthentication.Policy);
        admin.MapGet("/tenants/{tenant}/alerts/live", (string tenant, WiremapIndexHolder holder, AlertFeed feed, TimeProvider time, HttpContext context) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            // Proxies must pass events through as they come (nginx buffers responses unless told not to).
            context.Response.Headers["X-Accel-Buffering"] = "no";
            return TypedResults.ServerSentEvents(Stream(feed, index.Tenant.Id, time, context.RequestAborted));
        }).WithAdminAccess(AdminAccess.SecurityRead).WithSummary("Live alert feed (Server-Sent Events) for a security-desk screen: every alert of the tenant as it is raised.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async IAsyncEnumerable<SseItem<string>> Stream(AlertFeed feed, string tenant, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Ends the listening whichever way the stream ends (client gone, or the server stopping the enumeration).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var alerts = feed.ListenAsync(tenant, stop.Token).GetAsyncEnumerator(stop.Token);
        // The first MoveNext registers the listener before the screen is told it is listening.
        var next = alerts.MoveNextAsync().AsTask();
        try
        {
            yield return new SseItem<string>("{}", "ready");
            while (true)
            {
                var quiet = Task.Delay(KeepAlive, time, stop.Token);
                if (await Task.WhenAny(next, quiet).ConfigureAwait(false) != next)
                {
                    if (stop.IsCancellationRequested) yield break;
                    yield return new SseItem<string>("{}", "keep-alive");
                    continue;
                }
                if (!await next.ConfigureAwait(false)) yield break;
                var alert = alerts.Current;
                yield return new SseItem<string>(alert.Json, alert.Event) { EventId = alert.Id };
                next = alerts.MoveNextAsync().AsTask();
            }
        }
        finally
        {
            // A read still pending ends with the token; the listener is removed before the enumerator is disposed.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await next.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            await alerts.DisposeAsync().ConfigureAwait(false);
        }
    }
}
