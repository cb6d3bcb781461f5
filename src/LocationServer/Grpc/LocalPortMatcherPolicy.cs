using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace LocationServer.Grpc;

/// <summary>Endpoint metadata: the endpoint answers only on connections accepted by the listener on <see cref="Port"/>.</summary>
internal sealed record LocalPortMetadata(int Port);

/// <summary>
/// Restricts endpoints carrying <see cref="LocalPortMetadata"/> to connections on that local port. Unlike
/// <c>RequireHost("*:8081")</c>, which trusts the client's Host/:authority header (and breaks behind a port-mapping
/// proxy), this looks at the socket the request arrived on. Requests without an IP socket (TestServer, Unix domain
/// sockets) are not restricted.
/// </summary>
internal sealed class LocalPortMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    // Before HTTP method matching, so a request on another port never sees a gRPC route.
    public override int Order => -1000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Metadata.GetMetadata<LocalPortMetadata>() is not null) return true;
        }
        return false;
    }

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
            if (required is not null && required.Port != port) candidates.SetValidity(i, false);
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
