using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Data.Redis;
using LocationServer.Locating.Tokens;
using Microsoft.Extensions.Options;

namespace LocationServer.Locating.Held;

/// <summary>
/// Decides whether a device's claim of a MAC may be believed (RFC 5985 §9, RFC 6155 §4). Only the source address is
/// vouched for by the network (return routability); a MAC is believed when it is bound to that address in the
/// <see cref="IDeviceBindingStore"/>. An unbelieved MAC is dropped from the request's evidence: the request is still
/// answered from what it measured and where it comes from, but it can neither locate by a pinned MAC nor write the
/// MAC's device report or nomadic address, so it never changes what another holder's location URI, a routed call
/// or the nomadic store yields. When the binding store cannot answer in time the claim is not believed.
/// </summary>
internal sealed partial class DeviceClaims
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(250);
    private readonly IDeviceBindingStore _bindings;
    private readonly ILogger<DeviceClaims> _logger;

    public DeviceClaims(IDeviceBindingStore bindings, IOptions<HeldOptions> held, IOptions<TokenOptions> tokens, ILogger<DeviceClaims> logger)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(tokens);
        _bindings = bindings;
        _logger = logger;
        // A binding outlives every location URI issued while it held, so no URI can see its MAC rebound elsewhere.
        BindingLifetime = held.Value.DeviceReportLifetime > tokens.Value.Lifetime ? held.Value.DeviceReportLifetime : tokens.Value.Lifetime;
    }

    /// <summary>How long a binding lasts after the last claim that refreshed it: the longer of the device-report and location-URI lifetimes.</summary>
    public TimeSpan BindingLifetime { get; }

    /// <summary>True when <paramref name="mac"/> may be taken as the MAC of the device speaking from <paramref name="source"/>.</summary>
    public async Task<bool> VerifyAsync(string tenant, MacAddress mac, IPAddress source, CancellationToken cancellationToken)
    {
        try
        {
            var believed = await _bindings.ClaimAsync(tenant, mac.ToDashString(), Normalize(source).ToString(), BindingLifetime)
                .WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
            if (!believed) Log.ClaimRefused(_logger, tenant);
            return believed;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.StoreUnavailable(_logger, ex);
            return false;
        }
    }

    /// <summary>A trusted network source (DHCP or ARP feed) says where a MAC is.</summary>
    public Task AssertAsync(string tenant, MacAddress mac, IPAddress address) =>
        _bindings.AssertAsync(tenant, mac.ToDashString(), Normalize(address).ToString(), BindingLifetime);

    /// <summary>A trusted network source says the MAC left.</summary>
    public Task<bool> ReleaseAsync(string tenant, MacAddress mac) => _bindings.ReleaseAsync(tenant, mac.ToDashString());

    /// <summary>The address a MAC is bound to, or null.</summary>
    public Task<string?> GetAsync(string tenant, MacAddress mac) => _bindings.GetAsync(tenant, mac.ToDashString());

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1501, Level = LogLevel.Debug, Message = "A request for tenant {Tenant} claimed a MAC bound to another address; the claim is ignored")]
        public static partial void ClaimRefused(ILogger logger, string tenant);

        [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "Device bindings unavailable; MAC claims are ignored until they answer")]
        public static partial void StoreUnavailable(ILogger logger, Exception exception);
    }
}
