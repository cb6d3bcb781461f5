using Microsoft.AspNetCore.Routing.Matching;

namespace LocationServer.Grpc;

/// <summary>The h2c gRPC listener: the named Kestrel endpoint <see cref="EndpointName"/> and the local port it binds.</summary>
/// <param name="Url">The endpoint's URL, e.g. "http://127.0.0.1:8081".</param>
/// <param name="Port">Its TCP port (never 0: the port tells the listeners apart).</param>
internal sealed record GrpcListener(string Url, int Port)
{
    /// <summary>Name of the Kestrel endpoint (<c>Kestrel:Endpoints:Grpc</c>).</summary>
    public const string EndpointName = "Grpc";

    /// <summary>Configuration path of the endpoint.</summary>
    public const string SectionPath = "Kestrel:Endpoints:" + EndpointName;
}

/// <summary>Endpoint metadata: the endpoint answers only on connections accepted by the listener on <see cref="Port"/>.</summary>
internal sealed record LocalPortMetadata(int Port);

/// <summary>
/// Keeps the gRPC listener and the other listeners apart by the socket a request arrived on (not the Host header,
/// which the client chooses and a port-mapping proxy rewrites): endpoints carrying <see cref="LocalPortMetadata"/>
/// answer only on that port, and every other endpoint (HELD, <c>/loc</c>, LoST, admin, health, OpenAPI) answers
/// nowhere on the gRPC listener's port. Requests without an IP socket (TestServer, Unix domain sockets) are not
/// restricted.
/// </summary>
internal sealed class LocalPortMatcherPolicy(GrpcListener listener) : MatcherPolicy, IEndpointSelectorPolicy
{
    // Before HTTP method matching, so a request on the wrong port never sees the route.
    public override int Order => -1000;

    // Every endpoint: those without the metadata must be refused on the gRPC port.
    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => true;

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(candidates);
        // No IP socket (the in-memory TestServer, a Unix domain socket): there is no port to tell listeners
        // apart, and such a transport is local by construction.
        if (httpContext.Connection.LocalIpAddress is null) return Task.CompletedTask;
        var port = httpContext.Connection.LocalPort;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!candidates.IsValidCandidate(i)) continue;
            var required = candidates[i].Endpoint.Metadata.GetMetadata<LocalPortMetadata>();
            var allowed = required is null ? port != listener.Port : required.Port == port;
            if (!allowed) candidates.SetValidity(i, false);
        }
        return Task.CompletedTask;
    }
}

/// <summary>Restricting endpoints to a listener port.</summary>
internal static class LocalPortEndpointExtensions
{
    /// <summary>
    /// Answers the endpoint only on connections to local <paramref name="port"/>; needs
    /// <see cref="LocalPortMatcherPolicy"/> registered as a <see cref="MatcherPolicy"/> (done by
    /// <c>ConfigureRoutingListener</c>).
    /// </summary>
    public static TBuilder RequireLocalPort<TBuilder>(this TBuilder builder, int port)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint => endpoint.Metadata.Add(new LocalPortMetadata(port)));
        return builder;
    }
}
