using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
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
    private readonly Lock _logGate = new();
    private Process? _process;
    private StreamWriter? _log;

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

    public bool HasExited => _process?.HasExited ?? true;

    /// <summary>Starts the process and waits until it answers <c>/health/live</c> (not readiness: a test may hold the load back).</summary>
    public async Task StartAsync()
    {
        if (_process is not null) throw new InvalidOperationException("Already started.");
        HttpPort = FreePort();
        GrpcPort = FreePort();
        var contentRoot = Path.Combine(Directory, Name + "-content");
        System.IO.Directory.CreateDirectory(contentRoot);
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = contentRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(contentRoot);
        foreach (var inherited in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT" })
            start.Environment.Remove(inherited);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{HttpPort}";
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{GrpcPort}";
        start.Environment["Storage__DataDirectory"] = Path.Combine(Directory, Name + "-data");
        foreach (var (key, value) in _settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        _log = new StreamWriter(LogFile, append: true, Encoding.UTF8) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => WriteLog(e.Data);
        process.ErrorDataReceived += (_, e) => WriteLog(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var client = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"Replica {Name} exited with {process.ExitCode}:\n{ReadLog()}");
            try
            {
                using var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Replica {Name} did not answer on {HttpAddress}:\n{ReadLog()}");
    }

    /// <summary>
    /// An HTTP client whose connections leave from <paramref name="sourceAddress"/> (any 127.0.0.0/8 address), so the
    /// replica sees that TCP source as a phone on that network would be seen.
    /// </summary>
    public HttpClient CreateClient(string sourceAddress = "127.0.0.1")
    {
        var source = IPAddress.Parse(sourceAddress);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        // Loopback is no admin on PostgreSQL: /admin requests carry the cluster's break-glass key.
        return new HttpClient(new AdminBearer(AdminBearer.TestKey) { InnerHandler = handler }) { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Everything the process has printed so far.</summary>
    public string ReadLog()
    {
        lock (_logGate)
        {
            _log?.Flush();
        }
        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>A graceful stop (SIGTERM), as an orchestrator does.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        _process = null;
        if (process is null) return;
        using (process)
        {
            if (!process.HasExited)
            {
                using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
        }
        lock (_logGate)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private void WriteLog(string? line)
    {
        if (line is null) return;
        lock (_logGate) _log?.WriteLine(line);
    }

    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet") return current;
        return "dotnet";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
