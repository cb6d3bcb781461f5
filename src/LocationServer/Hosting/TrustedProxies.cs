using System.Net;
using LocationServer.Locating.Configuration;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace LocationServer.Hosting;

/// <summary>Which request header a trusted proxy names the client in.</summary>
internal enum ForwardingHeader
{
    /// <summary><c>X-Forwarded-For</c>, with <c>X-Forwarded-Proto</c> and <c>X-Forwarded-Host</c> (nginx, haproxy, ingress-nginx, most cloud load balancers).</summary>
    XForwardedFor,
    /// <summary><c>Forwarded</c> (RFC 7239); the <c>X-Forwarded-*</c> headers are then ignored.</summary>
    Forwarded,
}

/// <summary>
/// Where requests come from when the service sits behind load balancers or reverse proxies (section <c>Network</c>).
/// The device address is the source address of the connection unless that source is a trusted proxy; then it is
/// the right-most address in the forwarding header that is not a trusted proxy.
/// </summary>
internal sealed class NetworkOptions : IValidatedOptions
{
    public const string Section = "Network";

    /// <summary>
    /// Addresses (CIDR, or single addresses) of the proxies and load balancers whose forwarding headers and PROXY
    /// protocol headers are believed. Default empty: no header is believed and every request is located by its
    /// connection's source address. List only the proxies, never a network that phones use: an address in this
    /// list is skipped when the device address is looked for.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>The header the trusted proxies write the client address in. Default <c>XForwardedFor</c>; or <c>Forwarded</c> (RFC 7239).</summary>
    public ForwardingHeader ForwardedHeader { get; set; } = ForwardingHeader.XForwardedFor;

    /// <summary>
    /// Names of the Kestrel endpoints (<c>Kestrel:Endpoints:NAME</c>) that expect a PROXY protocol v2 header on every
    /// connection, as an L4 load balancer sends (haproxy <c>send-proxy-v2</c>, AWS NLB, …). Default empty (none).
    /// Such an endpoint accepts connections only from <see cref="TrustedProxies"/>, and only with a valid header.
    /// </summary>
    public string[] ProxyProtocolEndpoints { get; set; } = [];

    /// <summary>The trusted proxies as networks (a single address is a /32 or /128); invalid entries are left out (validation names them).</summary>
    public IReadOnlyList<IPNetwork> Networks() => [.. TrustedProxies.Select(Parse).OfType<IPNetwork>()];

    public IEnumerable<string> Validate(IConfiguration configuration)
    {
        for (var i = 0; i < TrustedProxies.Length; i++)
        {
            if (Parse(TrustedProxies[i]) is null)
                yield return $"Network:TrustedProxies:{i} must be an IP address or a CIDR network with zero host bits (e.g. 10.0.0.0/8 or 2001:db8::/64); it is '{TrustedProxies[i]}'.";
        }
        if (ProxyProtocolEndpoints.Length > 0 && TrustedProxies.Length == 0)
            yield return "Network:ProxyProtocolEndpoints needs Network:TrustedProxies: PROXY protocol headers are accepted only from the load balancers listed there.";
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < ProxyProtocolEndpoints.Length; i++)
        {
            if (!endpoints.Contains(ProxyProtocolEndpoints[i]))
                yield return $"Network:ProxyProtocolEndpoints:{i} names '{ProxyProtocolEndpoints[i]}', which is not a Kestrel endpoint (Kestrel:Endpoints:NAME); the endpoints are: {string.Join(", ", endpoints.Order(StringComparer.Ordinal))}.";
        }
    }

    private static IPNetwork? Parse(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) return null;
        // The library accepts host bits after the prefix ("10.0.0.1/8"); a typo there must not widen the trust silently.
        if (IPNetwork.TryParse(text, out var network))
            return IPAddress.TryParse(text.AsSpan(0, text.IndexOf('/', StringComparison.Ordinal)), out var written) && written.Equals(network.BaseAddress) ? Normalise(network) : null;
        if (!text.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(text, out var address))
        {
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }
        return null;
    }

    private static IPNetwork Normalise(IPNetwork network) =>
        network.BaseAddress.IsIPv4MappedToIPv6 && network.PrefixLength >= 96
            ? new IPNetwork(network.BaseAddress.MapToIPv4(), network.PrefixLength - 96)
            : network;
}

/// <summary>The set of trusted proxy networks, built once from <see cref="NetworkOptions"/>.</summary>
internal sealed class TrustedProxySet(IOptions<NetworkOptions> options)
{
    // Read on first use, after the settings were validated (the host builds this while it is being built).
    private readonly Lazy<IPNetwork[]> _networks = new(() => [.. options.Value.Networks()]);

    public bool IsEmpty => _networks.Value.Length == 0;

    public IReadOnlyList<IPNetwork> Networks => _networks.Value;

    public bool Contains(IPAddress? address)
    {
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var network in _networks.Value)
        {
            if (network.Contains(address)) return true;
        }
        return false;
    }
}

/// <summary>
/// How a request reached the service, recorded before the forwarding headers rewrite the connection's address:
/// <paramref name="Peer"/> is the address of the machine that opened the connection (a load balancer when the PROXY
/// protocol named another source), <paramref name="Relayed"/> is true when that machine is a trusted proxy.
/// </summary>
internal sealed record RequestPeer(IPAddress? Peer, bool Relayed);

/// <summary>
/// What the rest of the host asks about the request's origin: whether it was relayed by a trusted proxy, whether it
/// came straight from this machine, and the public scheme and host it was addressed to.
/// </summary>
internal static class ForwardedRequest
{
    /// <summary>True when a trusted proxy relayed the request (its forwarding headers, or PROXY protocol header, were believed).</summary>
    public static bool IsRelayed(HttpContext context) => context.Features.Get<RequestPeer>() is { Relayed: true };

    /// <summary>
    /// True when the connection was opened from this machine by the client itself: a loopback source that is not a
    /// trusted proxy. A request relayed by a proxy on this machine never counts, whatever address it forwards.
    /// </summary>
    public static bool IsDirectLoopback(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<RequestPeer>() is { } peer)
            return !peer.Relayed && peer.Peer is not null && IPAddress.IsLoopback(peer.Peer);
        var remote = context.Connection.RemoteIpAddress;
        return remote is not null && IPAddress.IsLoopback(remote);
    }

    /// <summary>
    /// The public origin of a relayed request (<c>https://lis.example.com</c>): the scheme and host the proxy
    /// reported (<c>X-Forwarded-Proto</c>/<c>-Host</c> or the Host header it sent); null when the request was not
    /// relayed or names no host.
    /// </summary>
    public static string? PublicOrigin(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsRelayed(context) || !context.Request.Host.HasValue) return null;
        return $"{context.Request.Scheme}://{context.Request.Host.ToUriComponent()}";
    }
}

/// <summary>
/// Registers <see cref="NetworkOptions"/>, the trusted-proxy pipeline (first in the request pipeline) and the PROXY
/// protocol listeners. With no trusted proxy configured nothing is added and every request is located by the
/// connection's source address.
/// </summary>
internal static partial class TrustedProxies
{
    public static WebApplicationBuilder AddTrustedProxies(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<NetworkOptions>(builder.Configuration, NetworkOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TrustedProxySet>();
        builder.Services.AddSingleton<IStartupFilter, TrustedProxyStartupFilter>();
        builder.Services.AddSingleton<ProxyProtocolListener>();
        builder.Services.AddSingleton<IConfigureOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>, ProxyProtocolKestrelSetup>();
        return builder;
    }

    /// <summary>ASP.NET Core's forwarded-headers settings for <paramref name="trusted"/>: only those sources, every hop until the first untrusted one.</summary>
    public static ForwardedHeadersOptions ForwardedHeadersOptions(TrustedProxySet trusted)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            // No cap on hops: the walk from the right stops at the first address that is not a trusted proxy.
            ForwardLimit = null,
            RequireHeaderSymmetry = false,
        };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        foreach (var network in trusted.Networks) options.KnownIPNetworks.Add(network);
        return options;
    }

    private sealed class TrustedProxyStartupFilter(TrustedProxySet trusted, IOptions<NetworkOptions> options, ILogger<TrustedProxySet> logger) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            if (!trusted.IsEmpty)
            {
                app.Use((context, nextMiddleware) => RecordPeer(context, nextMiddleware, trusted));
                if (options.Value.ForwardedHeader == ForwardingHeader.Forwarded) app.Use(TranslateForwarded);
                app.UseForwardedHeaders(ForwardedHeadersOptions(trusted));
                app.Use((context, nextMiddleware) => DropUnnamedClient(context, nextMiddleware, trusted, logger));
            }
            next(app);
        };
    }

    private static Task RecordPeer(HttpContext context, RequestDelegate next, TrustedProxySet trusted)
    {
        var remote = context.Connection.RemoteIpAddress;
        var proxied = context.Features.Get<ProxyProtocolConnection>();
        var peer = proxied?.LoadBalancer ?? remote;
        context.Features.Set(new RequestPeer(peer, proxied is not null || trusted.Contains(remote)));
        return next(context);
    }

    /// <summary>
    /// In <c>Forwarded</c> mode the RFC 7239 header is rewritten into the <c>X-Forwarded-*</c> headers the library
    /// reads, replacing any the client sent; without a <c>Forwarded</c> header they are removed.
    /// </summary>
    private static Task TranslateForwarded(HttpContext context, RequestDelegate next)
    {
        var headers = context.Request.Headers;
        headers.Remove("X-Forwarded-For");
        headers.Remove("X-Forwarded-Proto");
        headers.Remove("X-Forwarded-Host");
        if (headers.TryGetValue("Forwarded", out var forwarded) &&
            ForwardedHeaderParser.TryTranslate(forwarded, context.Request.Scheme, context.Request.Host.Value, out var translated))
        {
            headers["X-Forwarded-For"] = translated.For;
            headers["X-Forwarded-Proto"] = translated.Proto;
            if (translated.Host is { } host) headers["X-Forwarded-Host"] = host;
        }
        return next(context);
    }

    /// <summary>
    /// A relayed request whose forwarding chain ends at a trusted proxy (no header, an unparsable hop, a PROXY
    /// protocol LOCAL connection) names no client: its address is cleared so it is never located at a proxy's address.
    /// </summary>
    private static Task DropUnnamedClient(HttpContext context, RequestDelegate next, TrustedProxySet trusted, ILogger logger)
    {
        if (ForwardedRequest.IsRelayed(context) && trusted.Contains(context.Connection.RemoteIpAddress))
        {
            Log.NoClientAddress(logger);
            context.Connection.RemoteIpAddress = null;
            context.Connection.RemotePort = 0;
        }
        return next(context);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2941, Level = LogLevel.Debug, Message = "A request relayed by a trusted proxy named no client address outside the trusted proxies; it has no source address")]
        public static partial void NoClientAddress(ILogger logger);
    }
}
