using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Scale;

/// <summary>
/// One replica of the production deployment as its own process: the built LocationServer.dll beside the tests run
/// with <c>dotnet exec</c> on its own loopback HTTP and gRPC ports, on the given settings (PostgreSQL, Redis, token
/// key), with everything it prints written to its own log file.
/// </summary>
internal sealed class ReplicaProcess : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string> _settings;
    private ChildProcess? _child;

    public ReplicaProcess(string name, string directory, IReadOnlyDictionary<string, string> settings)
    {
        Name = name;
        Directory = directory;
        _settings = settings;
        LogFile = Path.Combine(directory, name + ".log");
    }

    public string Name { get; }

    public string Directory { get; }

    public string LogFile { get; }

    public int HttpPort { get; private set; }

    public int GrpcPort { get; private set; }

    public Uri HttpAddress => new($"http://127.0.0.1:{HttpPort}");

    public string GrpcTarget => $"127.0.0.1:{GrpcPort}";

    public bool HasExited => _child?.HasExited ?? true;

    /// <summary>Starts the process and waits until it answers <c>/health/live</c> (not readiness: a test may hold the load back).</summary>
    public async Task StartAsync()
    {
        if (_child is not null) throw new InvalidOperationException("Already started.");
        HttpPort = Loopback.FreePort();
        GrpcPort = Loopback.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{HttpPort}",
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{GrpcPort}",
            ["Storage:DataDirectory"] = Path.Combine(Directory, Name + "-data"),
        };
        foreach (var (key, value) in _settings) settings[key] = value;
        _child = ChildProcess.Start(ServiceLaunch.StartInfo(Path.Combine(Directory, Name + "-content"), settings), LogFile);
        using var client = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(5) };
        await _child.WaitForOkAsync(client, "/health/live", TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// An HTTP client whose connections leave from <paramref name="sourceAddress"/> (any 127.0.0.0/8 address), so the
    /// replica sees that TCP source as a phone on that network would be seen.
    /// </summary>
    public HttpClient CreateClient(string sourceAddress = "127.0.0.1")
    {
        // Connections are kept and reused, as a phone's HTTPS client does.
        return Loopback.ClientFrom(sourceAddress, HttpAddress, handler => handler.PooledConnectionLifetime = Timeout.InfiniteTimeSpan);
    }

    /// <summary>Everything the process has printed so far (also kept in <see cref="LogFile"/>).</summary>
    public string ReadLog() => _child?.Output ?? (File.Exists(LogFile) ? File.ReadAllText(LogFile) : "");

    /// <summary>A graceful stop (SIGTERM), as an orchestrator does.</summary>
    public async Task StopAsync()
    {
        var child = _child;
        _child = null;
        if (child is null) return;
        await using (child) await child.StopAsync(TimeSpan.FromSeconds(30), throwIfKilled: false);
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
