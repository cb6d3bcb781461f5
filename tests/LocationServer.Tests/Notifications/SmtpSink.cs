using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LocationServer.Tests.Infrastructure;
using MimeKit;

namespace LocationServer.Tests.Notifications;

/// <summary>
/// A real SMTP server for alert tests: Debian's python3-aiosmtpd on a free loopback port, writing each message it
/// accepts into a Maildir the test reads.
/// </summary>
internal sealed class SmtpSink : IAsyncDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("locationserver-smtp-").FullName;
    private ChildProcess? _server;

    public int Port { get; } = FreePort();

    private string Maildir => Path.Combine(_work, "maildir");

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "aiosmtpd.handlers.Mailbox", Maildir },
        };
        _server = ChildProcess.Start(start);
        await Poll.UntilAsync(async () =>
        {
            Assert.False(_server.HasExited, "aiosmtpd exited (apt-get install -y python3-aiosmtpd): " + _server.Output);
            using var socket = new TcpClient();
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, up => up, TimeSpan.FromSeconds(30), "aiosmtpd accepting connections");
    }

    /// <summary>
    /// Starts the server (<see cref="StartAsync"/>), then points <paramref name="factory"/>'s e-mail alerts at it, and
    /// returns the service's client once the service is ready.
    /// </summary>
    public async Task<HttpClient> StartForAsync(LocationServerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        await StartAsync();
        factory.Settings["Routing:Alerts:Smtp:Host"] = "127.0.0.1";
        factory.Settings["Routing:Alerts:Smtp:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        factory.Settings["Routing:Alerts:Smtp:Security"] = "None";
        factory.Settings["Routing:Alerts:Smtp:From"] = "E911 alerts <e911@example.com>";
        var client = factory.CreateClient();
        await client.WaitReadyAsync();
        return client;
    }

    /// <summary>Waits until the server holds at least <paramref name="count"/> messages, and reads them.</summary>
    public async Task<List<MimeMessage>> MessagesAsync(int count)
    {
        var files = await Poll.UntilAsync(() => Task.FromResult(Files()), f => f.Length >= count, TimeSpan.FromSeconds(60), $"{count} messages in the SMTP server");
        var messages = new List<MimeMessage>();
        foreach (var file in files) messages.Add(await MimeMessage.LoadAsync(file));
        return messages;
    }

    private string[] Files()
    {
        var dir = Path.Combine(Maildir, "new");
        return Directory.Exists(dir) ? Directory.GetFiles(dir) : [];
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        try { Directory.Delete(_work, recursive: true); }
        catch (IOException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
