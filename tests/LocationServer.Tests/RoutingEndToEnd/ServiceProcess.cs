using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LocationServer.Tests.RoutingEndToEnd;

/// <summary>
/// The built service (the LocationServer.dll beside the tests) run as a child process with <c>dotnet exec</c> on
/// real loopback ports: HTTP (HELD, admin) and the h2c gRPC listener, on a SQLite file in a temp directory that
/// survives <see cref="StopAsync"/> so a restart sees the same data.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    public ServiceProcess(string dataDirectory) => DataDirectory = dataDirectory;

    public string DataDirectory { get; }

    public int HttpPort { get; private set; }

    public int GrpcPort { get; private set; }

    public Uri HttpAddress => new($"http://127.0.0.1:{HttpPort}");

    public string GrpcTarget => $"127.0.0.1:{GrpcPort}";

    public string Output => string.Join('\n', _output);

    public async Task StartAsync()
    {
        if (_process is not null) throw new InvalidOperationException("Already started.");
        HttpPort = FreePort();
        GrpcPort = FreePort();
        var output = AppContext.BaseDirectory;
        var assembly = typeof(Program).Assembly.Location;
        var contentRoot = Path.Combine(DataDirectory, "content");
        Directory.CreateDirectory(contentRoot);
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = contentRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(contentRoot);
        foreach (var name in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ConnectionStrings__Postgres" })
            start.Environment.Remove(name);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{HttpPort}",
            ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{GrpcPort}",
            ["Routing__PsapBoundaryFile"] = BoundaryFile(output),
            ["Routing__RelayCenter__Uri"] = "sip:ecrc@relay.invalid",
            ["Routing__RelayCenter__Name"] = "Emergency Call Relay Centre (demo)",
            ["Routing__TestService__Uri"] = "sip:933@test-service.invalid",
            ["Routing__TestService__Name"] = "933 test service (demo)",
            ["Routing__CallbackWindowMinutes"] = "60",
            ["Storage__DataDirectory"] = DataDirectory,
            ["Storage__SqlitePath"] = Path.Combine(DataDirectory, "locationserver.db"),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var client = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The service exited with {process.ExitCode}:\n{Output}");
            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK && await GrpcListeningAsync()) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The service did not become ready on {HttpAddress}:\n{Output}");
    }

    public async Task StopAsync()
    {
        var process = _process;
        _process = null;
        if (process is null) return;
        using (process)
        {
            if (!process.HasExited)
            {
                // A graceful stop (SIGTERM), as an orchestrator does: queued call records are written before exit.
                using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    throw new TimeoutException($"The service did not stop within 30 s of SIGTERM:\n{Output}");
                }
            }
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

    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet") return current;
        return "dotnet";
    }

    /// <summary>The demo boundaries copied beside the tests, else the source file found above the output directory.</summary>
    internal static string BoundaryFile(string output)
    {
        var copied = Path.Combine(output, "Demo", "psap-boundaries.geojson");
        if (File.Exists(copied)) return copied;
        for (var dir = new DirectoryInfo(output); dir is not null; dir = dir.Parent)
        {
            var source = Path.Combine(dir.FullName, "src", "LocationServer", "Demo", "psap-boundaries.geojson");
            if (File.Exists(source)) return source;
        }
        throw new FileNotFoundException("Demo/psap-boundaries.geojson was found neither beside the tests nor in src/LocationServer.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
