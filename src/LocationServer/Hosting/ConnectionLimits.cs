using System.Collections.Concurrent;
using System.Net;
using LocationServer.Locating.Configuration;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace LocationServer.Hosting;

/// <summary>
/// Connection limits of every listener (section <c>Connections</c>): how many connections the process holds at
/// most, how many one source address may hold, and how long an idle connection is kept. Sized with the process's
/// open-file limit (docs/operations.md, "Connections and file descriptors").
/// </summary>
internal sealed class ConnectionLimitOptions : IValidatedOptions
{
    public const string Section = "Connections";

    /// <summary>Open connections of the whole process, all listeners together (Kestrel <c>MaxConcurrentConnections</c>); past it new ones are closed at once. Default 10,000; 1-1,000,000.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Connections upgraded to another protocol (WebSocket; none are served today) (Kestrel <c>MaxConcurrentUpgradedConnections</c>). Default 100; 0-1,000,000.</summary>
    public int MaxUpgradedConnections { get; set; } = 100;

    /// <summary>
    /// Open connections from one source IP address; past it new ones from that address are closed at once, so one
    /// host cannot take the whole of <see cref="MaxConnections"/>. Default 512; 0 turns the check off (behind a
    /// reverse proxy or NAT that puts many clients on one address, raise it or turn it off).
    /// </summary>
    public int MaxPerSource { get; set; } = 512;

    /// <summary>How long a connection with no request in progress is kept open, in seconds (Kestrel <c>KeepAliveTimeout</c>, also the wait for a new connection's first request). Default 15; 1-600.</summary>
    public int KeepAliveTimeoutSeconds { get; set; } = 15;

    /// <summary>Time allowed to receive a request's headers, in seconds (Kestrel <c>RequestHeadersTimeout</c>). Default 10; 1-300.</summary>
    public int RequestHeadersTimeoutSeconds { get; set; } = 10;

    public IEnumerable<string> Validate(IConfiguration configuration)
    {
        if (MaxConnections is < 1 or > 1_000_000) yield return $"Connections:MaxConnections must lie between 1 and 1000000; it is {MaxConnections}.";
        if (MaxUpgradedConnections is < 0 or > 1_000_000) yield return $"Connections:MaxUpgradedConnections must lie between 0 and 1000000; it is {MaxUpgradedConnections}.";
        if (MaxPerSource is < 0 or > 1_000_000) yield return $"Connections:MaxPerSource must lie between 0 and 1000000; it is {MaxPerSource}.";
        else if (MaxPerSource > MaxConnections) yield return $"Connections:MaxPerSource ({MaxPerSource}) must not exceed Connections:MaxConnections ({MaxConnections}).";
        if (KeepAliveTimeoutSeconds is < 1 or > 600) yield return $"Connections:KeepAliveTimeoutSeconds must lie between 1 and 600; it is {KeepAliveTimeoutSeconds}.";
        if (RequestHeadersTimeoutSeconds is < 1 or > 300) yield return $"Connections:RequestHeadersTimeoutSeconds must lie between 1 and 300; it is {RequestHeadersTimeoutSeconds}.";
    }
}

/// <summary>Applies <see cref="ConnectionLimitOptions"/> to Kestrel.</summary>
internal static partial class ConnectionLimits
{
    /// <summary>
    /// Binds and validates <see cref="ConnectionLimitOptions"/> and applies them to every Kestrel listener. Call it
    /// before any other Kestrel configuration that adds listeners, so the per-source check reaches them too.
    /// </summary>
    public static WebApplicationBuilder AddConnectionLimits(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<ConnectionLimitOptions>(builder.Configuration, ConnectionLimitOptions.Section);
        builder.Services.AddSingleton<SourceConnectionCounter>();
        builder.Services.AddSingleton<IConfigureOptions<KestrelServerOptions>, ConfigureKestrelLimits>();
        return builder;
    }

    /// <summary>Descriptors the process needs besides its connections: listeners, database and Redis pools, files, webhooks.</summary>
    public const int ReservedFileDescriptors = 1024;

    /// <summary>The process's open-file limit (soft), or null where it cannot be read (not Linux).</summary>
    public static long? OpenFileLimit()
    {
        const string limits = "/proc/self/limits";
        if (!File.Exists(limits)) return null;
        foreach (var line in File.ReadLines(limits))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
            var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && long.TryParse(fields[0], System.Globalization.CultureInfo.InvariantCulture, out var soft)) return soft;
            return fields.Length > 0 && fields[0] == "unlimited" ? long.MaxValue : null;
        }
        return null;
    }

    private sealed class ConfigureKestrelLimits(IOptions<ConnectionLimitOptions> options, SourceConnectionCounter counter, ILogger<ConnectionLimitOptions> logger)
        : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions kestrel)
        {
            var o = options.Value;
            // Running out of descriptors ends the process; the connection limit must stop connections well before.
            if (OpenFileLimit() is { } limit && limit < (long)o.MaxConnections + ReservedFileDescriptors)
                Log.FileLimitTooLow(logger, limit, o.MaxConnections, (long)o.MaxConnections + ReservedFileDescriptors);
            kestrel.Limits.MaxConcurrentConnections = o.MaxConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = o.MaxUpgradedConnections;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(o.KeepAliveTimeoutSeconds);
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(o.RequestHeadersTimeoutSeconds);
            if (o.MaxPerSource > 0) kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => context => counter.RunAsync(context, next, o.MaxPerSource)));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2902, Level = LogLevel.Warning, Message = "The open-file limit ({Limit}) is below Connections:MaxConnections ({MaxConnections}) + 1024: a connection flood can exhaust it and end the process. Raise the limit (nofile) to at least {Needed} or lower Connections:MaxConnections")]
        public static partial void FileLimitTooLow(ILogger logger, long limit, int maxConnections, long needed);
    }
}

/// <summary>Open connections per source address, for <see cref="ConnectionLimitOptions.MaxPerSource"/>.</summary>
internal sealed partial class SourceConnectionCounter(ILogger<SourceConnectionCounter> logger)
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();
    private long _refused;

    /// <summary>Connections closed at once because their source held its limit already, since start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Open connections from <paramref name="source"/>.</summary>
    public int OpenFrom(IPAddress source) => _open.TryGetValue(source, out var count) ? count : 0;

    public async Task RunAsync(ConnectionContext context, ConnectionDelegate next, int limit)
    {
        if (context.RemoteEndPoint is not IPEndPoint { Address: var address })
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (_open.AddOrUpdate(address, 1, static (_, n) => n + 1) > limit)
        {
            Release(address);
            var refused = Interlocked.Increment(ref _refused);
            // Bounded logging under a flood: the first refusal and every 1,000th after it.
            if (refused % 1000 == 1) Log.Refused(logger, refused, limit);
            context.Abort(new ConnectionAbortedException("Too many connections from this source."));
            return;
        }
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            Release(address);
        }
    }

    private void Release(IPAddress address)
    {
        while (true)
        {
            if (!_open.TryGetValue(address, out var count)) return;
            if (count <= 1)
            {
                if (_open.TryRemove(new KeyValuePair<IPAddress, int>(address, count))) return;
            }
            else if (_open.TryUpdate(address, count - 1, count))
            {
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2901, Level = LogLevel.Warning, Message = "{Refused} connections refused so far: their source address already held {Limit} (Connections:MaxPerSource)")]
        public static partial void Refused(ILogger logger, long refused, int limit);
    }
}
