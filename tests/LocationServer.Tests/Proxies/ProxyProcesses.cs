using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LocationServer.Tests.Proxies;

/// <summary>Free loopback ports, and HTTP clients that connect from a chosen loopback source address (one per simulated device).</summary>
internal static class Loopback
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>An HTTP client whose connections leave from <paramref name="source"/> (any 127.x.y.z works on Linux without set-up).</summary>
    public static HttpClient ClientFrom(string source, Uri baseAddress, Action<SocketsHttpHandler>? configure = null)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
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
        configure?.Invoke(handler);
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Sets a path's permissions (nginx workers drop root and must reach their directories and files).</summary>
    public static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }

    /// <summary>Waits until something accepts TCP connections on <paramref name="port"/>.</summary>
    public static async Task WaitListeningAsync(int port, Func<string> describe, Process? process = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process is { HasExited: true }) throw new InvalidOperationException($"exited with {process.ExitCode}:\n{describe()}");
            using var socket = new TcpClient();
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"nothing listens on 127.0.0.1:{port}:\n{describe()}");
    }
}

/// <summary>A child process (the service, nginx, haproxy) with its output kept for failure messages; stopped with SIGTERM, then killed.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output = new();

    private ChildProcess(Process process) => Process = process;

    public Process Process { get; }

    public string Output => string.Join('\n', _output);

    public static ChildProcess Start(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) child._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) child._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public async ValueTask DisposeAsync()
    {
        using (Process)
        {
            if (Process.HasExited) return;
            using (var term = Process.Start("kill", ["-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await Process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Process.Kill(entireProcessTree: true);
            }
        }
    }
}

/// <summary>
/// The built service run as a child process on its embedded default (SQLite in a temp directory), configured by
/// environment variables (<c>Section__Key</c>), with whatever Kestrel endpoints the test names.
/// </summary>
internal sealed class LisProcess : IAsyncDisposable
{
    private readonly ChildProcess _child;

    private LisProcess(ChildProcess child, string directory)
    {
        _child = child;
        Directory = directory;
    }

    public string Directory { get; }

    public string Output => _child.Output;

    /// <summary>Starts the service and waits until <paramref name="readyUrl"/> answers <c>/health/ready</c> with 200.</summary>
    public static async Task<LisProcess> StartAsync(IReadOnlyDictionary<string, string> settings, Uri readyUrl, Action<SocketsHttpHandler>? configureReadyClient = null)
    {
        var (start, directory) = StartInfo(settings);
        var service = new LisProcess(ChildProcess.Start(start), directory);
        try
        {
            using var client = Loopback.ClientFrom("127.0.0.9", readyUrl, configureReadyClient);
            client.Timeout = TimeSpan.FromSeconds(5);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (DateTime.UtcNow < deadline)
            {
                if (service._child.Process.HasExited) throw new InvalidOperationException($"The service exited with {service._child.Process.ExitCode}:\n{service.Output}");
                try
                {
                    using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                    if (response.StatusCode == HttpStatusCode.OK) return service;
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                await Task.Delay(100);
            }
            throw new TimeoutException($"The service did not become ready on {readyUrl}:\n{service.Output}");
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the service until it exits by itself (an invalid configuration) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyDictionary<string, string> settings)
    {
        var (start, directory) = StartInfo(settings);
        var child = ChildProcess.Start(start);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await child.Process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("The service kept running:\n" + child.Output);
            }
            child.Process.WaitForExit();
            return (child.Process.ExitCode, child.Output);
        }
        finally
        {
            await child.DisposeAsync();
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    private static (ProcessStartInfo Start, string Directory) StartInfo(IReadOnlyDictionary<string, string> settings)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("locationserver-proxies-").FullName;
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
        var start = new ProcessStartInfo(host) { WorkingDirectory = directory };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        // An empty content root: no appsettings.json (whose endpoint on port 8080 would clash), every setting given here.
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(directory);
        foreach (var name in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ConnectionStrings__Postgres" })
            start.Environment.Remove(name);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{Loopback.FreePort()}";
        start.Environment["Storage__DataDirectory"] = directory;
        start.Environment["Storage__SqlitePath"] = Path.Combine(directory, "locationserver.db");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Routing__PsapBoundaryFile"] = Path.Combine(AppContext.BaseDirectory, "Demo", "psap-boundaries.geojson");
        start.Environment["Routing__RelayCenter__Uri"] = "sip:ecrc@relay.invalid";
        start.Environment["Routing__TestService__Uri"] = "sip:933@test-service.invalid";
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        return (start, directory);
    }

    public async ValueTask DisposeAsync()
    {
        await _child.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>A real reverse proxy from Debian (<c>/usr/sbin/nginx</c>, <c>/usr/sbin/haproxy</c>) run in the foreground on a generated configuration.</summary>
internal sealed class ProxyProcess : IAsyncDisposable
{
    public const string Nginx = "/usr/sbin/nginx";
    public const string Haproxy = "/usr/sbin/haproxy";

    private readonly ChildProcess _child;
    private readonly string _directory;

    private ProxyProcess(ChildProcess child, string directory, int port)
    {
        _child = child;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <summary>
    /// nginx listening on a free port with <paramref name="server"/> as the body of its one <c>server</c> block
    /// (<c>{port}</c> in it is replaced by the listening port). Fails when nginx is not installed: tests/run.sh installs it.
    /// </summary>
    public static async Task<ProxyProcess> StartNginxAsync(string server)
    {
        Assert.True(File.Exists(Nginx), $"{Nginx} is missing: tests/run.sh installs nginx from Debian.");
        var port = Loopback.FreePort();
        var directory = CreateDirectory("nginx");
        var temp = new StringBuilder();
        foreach (var kind in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
        {
            var path = Path.Combine(directory, kind);
            System.IO.Directory.CreateDirectory(path);
            Loopback.SetMode(path, (UnixFileMode)0b111_111_111);
            temp.Append(System.Globalization.CultureInfo.InvariantCulture, $"  {kind}_temp_path {path};\n");
        }
        var config = $$"""
            worker_processes 1;
            daemon off;
            error_log {{directory}}/error.log warn;
            pid {{directory}}/nginx.pid;
            events { worker_connections 256; }
            http {
              access_log off;
            {{temp}}
              server {
            {{server.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)}}
              }
            }
            """;
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, config);
        var start = new ProcessStartInfo(Nginx);
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(directory);
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(file);
        return await StartAsync(start, directory, port, () => File.Exists(Path.Combine(directory, "error.log")) ? File.ReadAllText(Path.Combine(directory, "error.log")) : "");
    }

    /// <summary>
    /// haproxy in TCP mode (an L4 load balancer) on a free port, passing connections to 127.0.0.1:<paramref name="upstreamPort"/>
    /// with a PROXY protocol v2 header (<c>send-proxy-v2</c>). Fails when haproxy is not installed: tests/run.sh installs it.
    /// </summary>
    public static async Task<ProxyProcess> StartHaproxyAsync(int upstreamPort, string serverOptions = "send-proxy-v2")
    {
        Assert.True(File.Exists(Haproxy), $"{Haproxy} is missing: tests/run.sh installs haproxy from Debian.");
        var port = Loopback.FreePort();
        var directory = CreateDirectory("haproxy");
        var config = $"""
            global
              maxconn 256
            defaults
              mode tcp
              timeout connect 5s
              timeout client 30s
              timeout server 30s
            frontend lis
              bind 127.0.0.1:{port}
              default_backend service
            backend service
              server lis1 127.0.0.1:{upstreamPort} {serverOptions}

            """;
        var file = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(file, config);
        var start = new ProcessStartInfo(Haproxy);
        start.ArgumentList.Add("-db");
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(file);
        return await StartAsync(start, directory, port, () => "");
    }

    private static string CreateDirectory(string kind)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory($"locationserver-{kind}-").FullName;
        // nginx workers drop root and must reach their temp directories.
        Loopback.SetMode(directory, (UnixFileMode)0b111_101_101);
        return directory;
    }

    private static async Task<ProxyProcess> StartAsync(ProcessStartInfo start, string directory, int port, Func<string> log)
    {
        var child = ChildProcess.Start(start);
        var proxy = new ProxyProcess(child, directory, port);
        try
        {
            await Loopback.WaitListeningAsync(port, () => child.Output + "\n" + log(), child.Process);
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _child.DisposeAsync();
        try { System.IO.Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
