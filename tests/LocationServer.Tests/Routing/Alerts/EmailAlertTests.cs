using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LocationServer.Data.Storage;
using LocationServer.Routing;
using LocationServer.Routing.Alerts;
using LocationServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace LocationServer.Tests.Routing.Alerts;

/// <summary>
/// Alert e-mail end to end: the whole host on SQLite, a <c>mailto:</c> target added through the admin API, a 911
/// call routed by the real router, and a real SMTP server (Debian's python3-aiosmtpd, writing a Maildir) receiving
/// the message.
/// </summary>
public sealed class EmailAlertTests : IAsyncLifetime
{
    private const string Desk = "security-desk@example.com";
    private const string Guard = "night-guard@example.com";
    private readonly LocationServerFactory _factory = new();
    private readonly string _work = Directory.CreateTempSubdirectory("locationserver-smtp-").FullName;
    private readonly int _smtpPort = FreePort();
    private Process? _smtp;

    /// <summary>The server's Maildir; aiosmtpd creates it (with tmp/, new/, cur/) when it does not exist yet.</summary>
    private string Maildir => Path.Combine(_work, "maildir");
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _factory.Settings["Routing:Alerts:Smtp:Host"] = "127.0.0.1";
        _factory.Settings["Routing:Alerts:Smtp:Port"] = _smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _factory.Settings["Routing:Alerts:Smtp:Security"] = "None";
        _factory.Settings["Routing:Alerts:Smtp:From"] = "E911 alerts <e911@example.com>";
        _factory.Settings["Routing:Alerts:Smtp:LinkBaseUrl"] = "https://lis.example.com";
        _factory.Settings["Routing:Alerts:AttemptTimeoutMilliseconds"] = "5000";
        _client = _factory.CreateClient();
        await _client.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        StopSmtp();
        _client.Dispose();
        await _factory.DisposeAsync();
        try { Directory.Delete(_work, recursive: true); }
        catch (IOException) { }
    }

    [Fact]
    public async Task EmergencyCall_MailtoTarget_MessageNamesCallerNumbersRoomAndRoute()
    {
        await StartSmtpAsync();
        await AddTargetAsync($"mailto:{Desk}", "EmergencyCall");
        await AddTargetAsync($"mailto:{Guard}", "EmergencyCall");

        var routed = await RouteAsync("+15125550100");

        var messages = await MessagesAsync(2);
        Assert.Equal([Guard, Desk], messages.Select(m => m.To.Mailboxes.Single().Address).Order(StringComparer.Ordinal));
        var message = messages.Single(m => m.To.Mailboxes.Single().Address == Desk);
        Assert.Equal("e911@example.com", message.From.Mailboxes.Single().Address);
        Assert.Equal("emergency-call", message.Headers["X-LocationServer-Event"]);
        Assert.Equal(MessagePriority.Urgent, message.Priority);
        Assert.StartsWith("911 call: alice at 100 Congress Ave, Floor 3, Room 301", message.Subject, StringComparison.Ordinal);
        var text = message.TextBody;
        Assert.Contains("Caller: alice", text, StringComparison.Ordinal);
        Assert.Contains("Calling number: +15125550100", text, StringComparison.Ordinal);
        Assert.Contains("Callback number: " + routed.CallbackNumber, text, StringComparison.Ordinal);
        Assert.Contains("Location: 100 Congress Ave, Floor 3, Room 301", text, StringComparison.Ordinal);
        Assert.Contains($"Routed to: {routed.RouteName} ({routed.RouteUri})", text, StringComparison.Ordinal);
        Assert.Contains($"https://lis.example.com/admin/tenants/demo/calls/{routed.CallRecordId}", text, StringComparison.Ordinal);
        Assert.Contains("<th align=\"left\">Callback number</th><td>" + routed.CallbackNumber + "</td>", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmergencyCall_MailServerDownAtFirst_RetriedAndDelivered()
    {
        var target = await AddTargetAsync($"mailto:{Desk}", "EmergencyCall");
        var store = _factory.Services.GetRequiredService<WiremapStore>();

        await RouteAsync("+15125550123");

        // The first attempt finds no server: a failed, pending delivery is logged.
        var failed = await PollAsync(async () => (await store.ListAlertDeliveriesAsync(target, 10)).FirstOrDefault(d => d.Status == AlertDeliveryStatus.Pending));
        Assert.NotNull(failed.LastError);
        Assert.Empty(Messages());
        await StartSmtpAsync();

        // The retry waits on the host's clock: advance it (by the backoff) until the message is there.
        var message = (await MessagesAsync(1, () => _factory.Time.Advance(TimeSpan.FromSeconds(1)))).Single();
        Assert.Contains("Unit 200", message.TextBody ?? "", StringComparison.Ordinal);
        var delivered = await PollAsync(async () => (await store.ListAlertDeliveriesAsync(target, 10)).FirstOrDefault(d => d.Status == AlertDeliveryStatus.Delivered));
        Assert.Equal(2, delivered.Attempts);
    }

    [Fact]
    public async Task AddTarget_MailtoWithoutAddressOrSecret_RefusedNamingTheField()
    {
        using (var bad = await PostTargetAsync("{\"url\":\"mailto:not-an-address\"}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("/url", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using var signed = await PostTargetAsync($"{{\"url\":\"mailto:{Desk}\",\"secret\":\"s\"}}");
        Assert.Equal(HttpStatusCode.BadRequest, signed.StatusCode);
        Assert.Contains("/secret", await signed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mailto:desk@example.com", "desk@example.com")]
    [InlineData("mailto:security%2Bdesk@example.com?subject=ignored", "security+desk@example.com")]
    [InlineData("mailto:desk@example.com,guard@example.com", null)]
    [InlineData("mailto:", null)]
    [InlineData("mailto:desk", null)]
    [InlineData("mailto:Desk%20%3Cdesk@example.com%3E", null)]
    [InlineData("https://desk.example.com", null)]
    public void Recipient_MailtoUri_ParsedAddress(string url, string? expected)
    {
        Assert.Equal(expected, EmailAlertSender.Recipient(url)?.Address);
    }

    [Fact]
    public void SmtpOptions_HostWithoutSender_ProblemNamesTheSetting()
    {
        var problems = new SmtpOptions { Host = "mail.example.com" }.Problems().ToList();
        Assert.Contains(problems, p => p.StartsWith("Routing:Alerts:Smtp:From", StringComparison.Ordinal));
        Assert.Empty(new SmtpOptions { Host = "mail.example.com", From = "e911@example.com" }.Problems());
        Assert.Empty(new SmtpOptions().Problems());
    }

    private async Task<CallRouting> RouteAsync(string caller)
    {
        using var scope = _factory.Services.CreateScope();
        var router = scope.ServiceProvider.GetRequiredService<CallRouter>();
        var outcome = await router.RouteCallAsync(new EmergencyCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = caller }, CancellationToken.None);
        Assert.Equal(RoutingFailure.None, outcome.Failure);
        return outcome.Value!;
    }

    private async Task<HttpResponseMessage> PostTargetAsync(string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await _client.PostAsync("/admin/tenants/demo/alert-targets", content);
    }

    private async Task<Guid> AddTargetAsync(string url, string kind)
    {
        using var response = await PostTargetAsync($"{{\"url\":\"{url}\",\"kinds\":[\"{kind}\"]}}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    private async Task StartSmtpAsync()
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{_smtpPort}", "-c", "aiosmtpd.handlers.Mailbox", Maildir },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        _smtp = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        // Ready when it accepts a connection (python3-aiosmtpd is installed by tests/run.sh).
        await PollAsync(async () =>
        {
            if (_smtp.HasExited) Assert.Fail("aiosmtpd exited: " + await _smtp.StandardError.ReadToEndAsync() + " (apt-get install -y python3-aiosmtpd)");
            using var socket = new TcpClient();
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, _smtpPort);
                return (object?)true;
            }
            catch (SocketException)
            {
                return null;
            }
        });
    }

    private void StopSmtp()
    {
        if (_smtp is null) return;
        if (!_smtp.HasExited) _smtp.Kill(entireProcessTree: true);
        _smtp.WaitForExit();
        _smtp.Dispose();
    }

    private string[] Messages()
    {
        var dir = Path.Combine(Maildir, "new");
        return Directory.Exists(dir) ? Directory.GetFiles(dir) : [];
    }

    /// <summary>Waits for <paramref name="count"/> messages in the Maildir (calling <paramref name="meanwhile"/> between looks).</summary>
    private async Task<List<MimeMessage>> MessagesAsync(int count, Action? meanwhile = null)
    {
        var files = await PollAsync(() =>
        {
            var found = Messages();
            if (found.Length < count) meanwhile?.Invoke();
            return Task.FromResult(found.Length >= count ? found : null);
        });
        var messages = new List<MimeMessage>();
        foreach (var file in files) messages.Add(await MimeMessage.LoadAsync(file));
        return messages;
    }

    /// <summary>Polls until <paramref name="probe"/> yields a value; fails after a generous deadline.</summary>
    private static async Task<T> PollAsync<T>(Func<Task<T?>> probe)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (await probe() is { } value) return value;
            await Task.Delay(50);
        }
        throw new TimeoutException("The condition did not come true within 60 s.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
