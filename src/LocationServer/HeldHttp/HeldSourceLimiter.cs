using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using LocationServer.Held;
using LocationServer.Locating.Held;
using Microsoft.Extensions.Options;

namespace LocationServer.HeldHttp;

/// <summary>
/// Per-source rate limits on the HELD outcomes that create stored state without authentication: saving a
/// user-entered address (<c>userProvidedLocation</c>) and recording an unknown-network request. Past the limit the
/// request is answered with the HELD error <c>generalLisError</c> (RFC 5985 §4.3 has no rate-limit code; the request
/// itself is well formed, so <c>requestError</c> would mislead a client into not trying again). Only these outcomes
/// are limited, which is why this is not ASP.NET Core's endpoint rate limiting: an ordinary located request is never
/// refused, and the answer must be a HELD document.
/// </summary>
internal sealed partial class HeldSourceLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress?> _addresses;
    private readonly PartitionedRateLimiter<IPAddress?> _unknownNetworks;
    private readonly ILogger<HeldSourceLimiter> _logger;
    private long _refused;
    private long _lastLog;
    private readonly TimeProvider _time;

    public HeldSourceLimiter(IOptions<HeldLimitOptions> options, TimeProvider time, ILogger<HeldSourceLimiter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _addresses = Create(options.Value.UserAddressesPerMinute);
        _unknownNetworks = Create(options.Value.UnknownNetworkRequestsPerMinute);
        _time = time;
        _logger = logger;
    }

    /// <summary>Null when <paramref name="source"/> may save a user-entered address now; else the HELD error to answer.</summary>
    public HeldAnswer? CheckUserAddress(IPAddress? source) =>
        Acquire(_addresses, source) ? null : Refuse("Too many addresses submitted from this address; try again in a minute.");

    /// <summary>Null when an unknown-network request from <paramref name="source"/> may be recorded now; else the HELD error to answer.</summary>
    public HeldAnswer? CheckUnknownNetwork(IPAddress? source) =>
        Acquire(_unknownNetworks, source) ? null : Refuse("Too many requests from unknown networks from this address; try again in a minute.");

    public void Dispose()
    {
        _addresses.Dispose();
        _unknownNetworks.Dispose();
    }

    private static bool Acquire(PartitionedRateLimiter<IPAddress?> limiter, IPAddress? source)
    {
        using var lease = limiter.AttemptAcquire(source);
        return lease.IsAcquired;
    }

    private HeldAnswer Refuse(string message)
    {
        Interlocked.Increment(ref _refused);
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastLog);
        if ((last == 0 || _time.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(10)) && Interlocked.CompareExchange(ref _lastLog, now, last) == last)
            Log.Refused(_logger, Interlocked.Exchange(ref _refused, 0));
        return HeldAnswer.Fail(HeldErrorCode.GeneralLisError, message);
    }

    /// <summary>A token bucket per source of <paramref name="perMinute"/> tokens, refilled every second; 0 = no limit.</summary>
    private static PartitionedRateLimiter<IPAddress?> Create(int perMinute) => PartitionedRateLimiter.Create<IPAddress?, string>(source =>
    {
        var key = PartitionKey(source);
        if (perMinute == 0) return RateLimitPartition.GetNoLimiter(key);
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = Math.Max(1, perMinute / 60),
            ReplenishmentPeriod = perMinute >= 60 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(60.0 / perMinute),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    });

    /// <summary>The source an allowance belongs to: the IPv4 address, or the /64 of an IPv6 one (one host's usual share).</summary>
    internal static string PartitionKey(IPAddress? source)
    {
        if (source is null) return "";
        if (source.IsIPv4MappedToIPv6) source = source.MapToIPv4();
        if (source.AddressFamily != AddressFamily.InterNetworkV6) return source.ToString();
        Span<byte> bytes = stackalloc byte[16];
        source.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "HELD requests refused by the per-source limits (Held:Limits): {Refused} since the last warning")]
        public static partial void Refused(ILogger logger, long refused);
    }
}
