using System.Net;
using System.Net.Sockets;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.RoutingEndToEnd;

/// <summary>
/// The built service run as a child process on real loopback ports: HTTP (HELD, admin) and the h2c gRPC listener,
/// on a SQLite file in a temp directory that survives <see cref="StopAsync"/> so a restart sees the same data.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string> _extra;
    private ChildProcess? _child;
    private string _stoppedOutput = "";

    /// <param name="dataDirectory">Where the database and the journal live; deleted on dispose.</param>
    /// <param name="settings">Settings added to (or replacing) the demo ones.</param>
    public ServiceProcess(string dataDirectory, IReadOnlyDictionary<string, string>? settings = null)
    {
        DataDirectory = dataDirectory;
        _extra = settings ?? new Dictionary<string, string>();
    }

    public string DataDirectory { get; }

    public int HttpPort { get; private set; }

    public int GrpcPort { get; private set; }

    public Uri HttpAddress => new($"http://127.0.0.1:{HttpPort}");

    public string GrpcTarget => $"127.0.0.1:{GrpcPort}";

    /// <summary>The running process's output so far, or the last one's whole output once it has stopped.</summary>
    public string Output => _child?.Output ?? _stoppedOutput;

    public async Task StartAsync()
    {
        if (_child is not null) throw new InvalidOperationException("Already started.");
        HttpPort = Loopback.FreePort();
        GrpcPort = Loopback.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{HttpPort}",
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{GrpcPort}",
            ["Routing:PsapBoundaryFile"] = ServiceLaunch.DemoBoundaryFile(),
            ["Routing:RelayCenter:Uri"] = "sip:ecrc@relay.invalid",
            ["Routing:RelayCenter:Name"] = "Emergency Call Relay Centre (demo)",
            ["Routing:TestService:Uri"] = "sip:933@test-service.invalid",
            ["Routing:TestService:Name"] = "933 test service (demo)",
            ["Routing:CallbackWindowMinutes"] = "60",
            ["Storage:DataDirectory"] = DataDirectory,
            ["Storage:SqlitePath"] = Path.Combine(DataDirectory, "locationserver.db"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in _extra) settings[key] = value;
        _child = ChildProcess.Start(ServiceLaunch.StartInfo(Path.Combine(DataDirectory, "content"), settings));
        using var client = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(5) };
        await _child.WaitForOkAsync(client, "/health/ready", TimeSpan.FromSeconds(60), GrpcListeningAsync);
    }

    /// <summary>A graceful stop (SIGTERM), as an orchestrator does: queued call records are written before exit.</summary>
    public async Task StopAsync()
    {
        var child = _child;
        _child = null;
        if (child is null) return;
        await using (child)
        {
            await child.StopAsync(TimeSpan.FromSeconds(30), throwIfKilled: true);
            _stoppedOutput = child.Output;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            try { Directory.Delete(DataDirectory, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private async Task<bool> GrpcListeningAsync()
    {
        using var socket = new TcpClient();
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, GrpcPort);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
