using System.Net;
using System.Net.Sockets;

namespace LocationServer.Routing.Alerts;

/// <summary>
/// Which webhook URLs a tenant may configure and which addresses a delivery may connect to. Unless
/// <see cref="AlertOptions.AllowPrivateTargets"/> is set, a webhook must name a public host: loopback, link-local
/// (the 169.254.169.254 metadata service among them), private, shared (CGNAT), multicast, broadcast, reserved and
/// unspecified addresses are refused, in whatever spelling (decimal, hex or octal IPv4, IPv4-mapped IPv6), and so is
/// <c>localhost</c>. URLs carrying credentials (<c>user:pass@</c>) are always refused: a secret belongs in the
/// target's write-only <c>secret</c>. The address is checked again when a delivery connects, after DNS, so a name
/// that resolves to an internal address later (DNS rebinding) is refused too; redirects are never followed.
/// </summary>
internal static class WebhookTargetPolicy
{
    /// <summary>Why <paramref name="url"/> may not be a webhook target, or null when it may.</summary>
    public static string? Check(string? url, bool allowPrivate)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            return "is not an absolute http(s) URL";
        if (!string.IsNullOrEmpty(uri.UserInfo))
            return "must not carry credentials (user:password@); use the target's secret to authenticate deliveries";
        if (!string.IsNullOrEmpty(uri.Fragment)) return "must not carry a fragment";
        if (allowPrivate) return null;
        var host = uri.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            return $"names the local host ('{uri.Host}'); webhook targets must be public (Routing:Alerts:AllowPrivateTargets allows internal ones)";
        if (IPAddress.TryParse(host, out var address) && !IsPublic(address))
            return $"is an internal address ({Normalize(address)}: loopback, link-local, private, multicast or unspecified); " +
                "webhook targets must be public (Routing:Alerts:AllowPrivateTargets allows internal ones)";
        return null;
    }

    /// <summary>True when <paramref name="address"/> is a public unicast address a webhook may be delivered to.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        address = Normalize(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return !(b[0] == 0 // "this network", 0.0.0.0 included
                || b[0] == 10
                || b[0] == 127
                || (b[0] == 100 && (b[1] & 0xC0) == 64) // 100.64.0.0/10 shared address space
                || (b[0] == 169 && b[1] == 254) // link-local, metadata services
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0) // IETF protocol assignments
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 198 && (b[1] & 0xFE) == 18) // benchmarking
                || b[0] >= 224); // multicast, reserved, broadcast
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        if (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6Loopback)) return false;
        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal) return false;
        Span<byte> v6 = stackalloc byte[16];
        address.TryWriteBytes(v6, out _);
        // NAT64 (64:ff9b::/96) and IPv4-compatible (::/96) addresses carry an IPv4 address that must be public too.
        if ((v6[..12].SequenceEqual(Nat64Prefix) || v6[..12].IndexOfAnyExcept((byte)0) < 0))
            return IsPublic(new IPAddress(v6[12..]));
        return true;
    }

    /// <summary>
    /// The handler for webhook deliveries: no redirects, no proxy, no cookies, and a connect step that resolves the
    /// host itself and connects only to addresses <see cref="IsPublic"/> allows (all addresses with
    /// <paramref name="allowPrivate"/>), checking the address actually connected to.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(bool allowPrivate) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, allowPrivate, cancellationToken),
    };

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowPrivate, CancellationToken cancellationToken)
    {
        var resolved = IPAddress.TryParse(endPoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endPoint.Host, cancellationToken).ConfigureAwait(false);
        var allowed = allowPrivate ? resolved : Array.FindAll(resolved, IsPublic);
        if (allowed.Length == 0) throw new WebhookAddressRefusedException(endPoint.Host);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endPoint.Port, cancellationToken).ConfigureAwait(false);
            if (!allowPrivate && (socket.RemoteEndPoint is not IPEndPoint remote || !IsPublic(remote.Address)))
                throw new WebhookAddressRefusedException(endPoint.Host);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static ReadOnlySpan<byte> Nat64Prefix => [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
}

/// <summary>A webhook delivery was refused because its host resolved only to addresses the policy refuses.</summary>
internal sealed class WebhookAddressRefusedException(string host)
    : Exception($"Webhook host '{host}' resolves only to internal addresses; set Routing:Alerts:AllowPrivateTargets to deliver to them.")
{
}
