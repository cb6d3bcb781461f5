using System.Diagnostics;
using System.Text;

using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Proxies;

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
            await service._child.WaitForOkAsync(client, "/health/ready", TimeSpan.FromSeconds(90));
            return service;
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
            await child.WaitForExitAsync(TimeSpan.FromSeconds(60));
            return (child.ExitCode, child.Output);
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
        var defaults = new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{Loopback.FreePort()}",
            ["Storage:DataDirectory"] = directory,
            ["Storage:SqlitePath"] = Path.Combine(directory, "locationserver.db"),
            ["Logging:LogLevel:Default"] = "Warning",
            ["Routing:PsapBoundaryFile"] = ServiceLaunch.DemoBoundaryFile(),
            ["Routing:RelayCenter:Uri"] = "sip:ecrc@relay.invalid",
            ["Routing:TestService:Uri"] = "sip:933@test-service.invalid",
        };
        foreach (var (key, value) in settings) defaults[key] = value;
        return (ServiceLaunch.StartInfo(directory, defaults), directory);
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
