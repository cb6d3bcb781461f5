using Microsoft.AspNetCore.Http;

namespace LocationServer.Grpc;

/// <summary>What a unary handler knows about its call (the subset of Grpc.Core's ServerCallContext we serve).</summary>
internal sealed class ServerCallContextLite
{
    internal ServerCallContextLite(HttpContext httpContext, string method, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        HttpContext = httpContext;
        Method = method;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>The full method name, "/package.Service/Method".</summary>
    public string Method { get; }

    /// <summary>When the client's <c>grpc-timeout</c> expires, if it sent one.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Cancelled when the deadline passes or the client resets the stream.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Request metadata (HTTP/2 headers).</summary>
    public IHeaderDictionary RequestHeaders => HttpContext.Request.Headers;

    /// <summary>The remote endpoint, "ipv4:1.2.3.4:5678" style as gRPC prints it.</summary>
    public string Peer => HttpContext.Connection.RemoteIpAddress is { } ip
        ? (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"ipv6:[{ip}]:{HttpContext.Connection.RemotePort}" : $"ipv4:{ip}:{HttpContext.Connection.RemotePort}")
        : "unknown";

    /// <summary>The underlying HTTP context, for what this type does not wrap.</summary>
    public HttpContext HttpContext { get; }
}
