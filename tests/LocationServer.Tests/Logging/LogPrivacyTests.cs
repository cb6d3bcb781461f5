using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using LocationServer.Routing;
using LocationServer.Tests.Infrastructure;
using LocationServer.Tests.Scale;
using LocationServer.Wiremap;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocationServer.Tests.Logging;

/// <summary>
/// "Logs never carry device identifiers or coordinates at Information level or above" (docs/operations.md): HELD with
/// a MAC and LLDP, a dereference and a routed 911 call run through the host with every category logging at
/// Information; no message, and no value logged with one, holds a MAC, an IP address or a coordinate.
/// </summary>
public sealed partial class LogPrivacyTests : IDisposable
{
    private const string Phone = "10.1.3.44";
    private const string Mac = "00-0b-82-01-02-77";
    private readonly LocationServerFactory _factory = new();
    private readonly CapturingProvider _logs = new();

    public void Dispose() => _factory.Dispose();

    [GeneratedRegex(@"\b[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}\b|\b[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}\b|\b0*0b82010277\b", RegexOptions.IgnoreCase)]
    private static partial Regex MacPattern();

    [GeneratedRegex(@"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|\b[0-9a-f]{1,4}(:[0-9a-f]{0,4}){2,7}\b", RegexOptions.IgnoreCase)]
    private static partial Regex IpPattern();

    /// <summary>Every latitude and longitude of the demo's points, to three decimals (any longer printing starts so).</summary>
    private static Regex CoordinatePattern()
    {
        var demo = DemoWiremap.Create();
        var points = demo.Sites.Select(s => s.Point).Concat(demo.Locations.Select(l => l.Point)).OfType<LocationServer.Core.Wiremap.GeoPoint>();
        var values = points.SelectMany(p => new[] { p.Latitude, p.Longitude })
            .Select(v => Regex.Escape(Math.Abs(v).ToString("F4", System.Globalization.CultureInfo.InvariantCulture)[..^1]))
            .Distinct();
        return new Regex(@"\b(" + string.Join("|", values) + ")", RegexOptions.CultureInvariant);
    }

    [Fact]
    public async Task HeldDereferenceAndRouteCall_AtInformation_NoMacIpOrCoordinateInAnyMessage()
    {
        using var host = _factory.WithWebHostBuilder(builder => builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(_logs);
            logging.SetMinimumLevel(LogLevel.Information);
            logging.AddFilter((_, _) => true);
        }));
        var client = host.CreateClient();
        await client.WaitReadyAsync();

        // HELD by value and reference with the phone's MAC and LLDP (re-plugged into the annex switch), then geodetic.
        var (held, document, body) = await client.PostHeldAsync(Cluster.RepluggedPhoneRequest(Phone, Mac), Phone);
        held.Dispose();
        var uri = document.LocationUri();
        Assert.False(string.IsNullOrEmpty(uri), body);
        var (geo, geoDocument, geoBody) = await client.PostHeldAsync(
            "<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"><locationType exact=\"true\">geodetic</locationType></locationRequest>", Phone);
        geo.Dispose();
        Assert.True(geoDocument?.Descendants(HeldClient.Gml + "pos").Any() == true, geoBody);
        var (code, _, pidf, pidfBody) = await Cluster.DereferenceAsync(client, uri!);
        Assert.True(pidf.ErrorCode() is null, $"{(int)code} {pidfBody}");
        // An unknown network and a VPN range too: the paths that warn.
        (await client.PostHeldAsync(HeldClient.EmptyRequest, "198.51.100.23")).Response.Dispose();
        (await client.PostHeldAsync(HeldClient.EmptyRequest, "10.250.7.9")).Response.Dispose();

        using (var scope = host.Services.CreateScope())
        {
            var router = scope.ServiceProvider.GetRequiredService<CallRouter>();
            var routed = await router.RouteCallAsync(new EmergencyCallRequest
            {
                Tenant = DemoWiremap.TenantId,
                Dialed = "911",
                CallingNumber = "+15125550166",
                LocationReference = uri,
                StationMac = Mac,
                StationIp = Phone,
                CallId = "log-test",
            }, CancellationToken.None);
            Assert.NotNull(routed.Value);
        }

        var entries = _logs.Entries.Where(e => e.Level >= LogLevel.Information).ToList();
        Assert.Contains(entries, e => e.Category.StartsWith("LocationServer", StringComparison.Ordinal));
        foreach (var entry in entries)
        {
            foreach (var (pattern, what) in new[] { (MacPattern(), "a MAC"), (IpPattern(), "an IP address"), (CoordinatePattern(), "a coordinate") })
            {
                var match = pattern.Match(entry.Text);
                Assert.False(match.Success, $"{entry.Level} {entry.Category} ({entry.EventId}) logs {what} ({match.Value}): {entry.Text}");
            }
        }
    }

    private sealed record Entry(string Category, LogLevel Level, EventId EventId, string Text);

    /// <summary>Keeps every message with the values logged beside it.</summary>
    private sealed class CapturingProvider : ILoggerProvider
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, CapturingProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                    ? string.Join(" ", pairs.Where(p => p.Key != "{OriginalFormat}").Select(p => $"{p.Key}={p.Value}"))
                    : "";
                provider.Entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception) + " | " + values + (exception is null ? "" : " | " + exception.Message)));
            }
        }
    }
}
