using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Proxies;

/// <summary>
/// Devices behind real nginx and haproxy are located by their own addresses, never by the proxy's; forwarding
/// headers from anyone but a trusted proxy change nothing (see <see cref="ProxyFixture"/> for the topology).
/// </summary>
public sealed class ProxyDeploymentTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private const string CivicRequest = "<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"><locationType exact=\"true\">civic</locationType></locationRequest>";
    private const string UriRequest = "<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"><locationType exact=\"true\">locationURI</locationType></locationRequest>";

    private static async Task<(HttpStatusCode Status, XDocument? Document, string Body)> PostHeldAsync(HttpClient client, string body = CivicRequest, Action<HttpRequestMessage>? decorate = null)
    {
        using var request = HeldClient.Request("/held", body);
        decorate?.Invoke(request);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.TrimStart().StartsWith('<') ? XDocument.Parse(text) : null, text);
    }

    private Uri Entry(string path) => path switch
    {
        "direct" => fixture.Direct,
        "nginx" => fixture.Nginx,
        "nginx-nginx" => fixture.NginxChain,
        "haproxy" => fixture.Haproxy,
        "nginx-haproxy" => fixture.NginxThenHaproxy,
        _ => throw new ArgumentOutOfRangeException(nameof(path)),
    };

    [Theory]
    [InlineData("direct", 21)]
    [InlineData("nginx", 22)]
    [InlineData("nginx-nginx", 23)]
    [InlineData("haproxy", 24)]
    [InlineData("nginx-haproxy", 25)]
    public async Task Held_DeviceBehindProxies_LocatedByItsOwnAddress(string path, int device)
    {
        using var client = Loopback.ClientFrom("127.0.0." + device.ToString(CultureInfo.InvariantCulture), Entry(path));
        var (status, document, body) = await PostHeldAsync(client);
        Assert.True(status == HttpStatusCode.OK, $"{path}: {(int)status} {body}\n{fixture.Service.Output}");
        Assert.Equal(device.ToString(CultureInfo.InvariantCulture), document.Civic("HNO"));
    }

    [Fact]
    public async Task Held_TwoDevicesBehindOneNginx_EachLocatedByItsOwnAddress()
    {
        using var first = Loopback.ClientFrom("127.0.0.31", fixture.Nginx);
        using var second = Loopback.ClientFrom("127.0.0.32", fixture.Nginx);
        Assert.Equal("31", (await PostHeldAsync(first)).Document.Civic("HNO"));
        Assert.Equal("32", (await PostHeldAsync(second)).Document.Civic("HNO"));
    }

    [Theory]
    [InlineData("X-Forwarded-For", "127.0.0.66")]
    [InlineData("X-Forwarded-For", "127.0.0.66, 127.0.0.1")]
    [InlineData("Forwarded", "for=127.0.0.66")]
    [InlineData("X-Real-IP", "127.0.0.66")]
    public async Task Held_SpoofedHeaderFromUntrustedSource_ChangesNothing(string header, string value)
    {
        using var client = Loopback.ClientFrom("127.0.0.41", fixture.Direct);
        var (_, honest, _) = await PostHeldAsync(client);
        var (status, spoofed, body) = await PostHeldAsync(client, decorate: r => r.Headers.TryAddWithoutValidation(header, value));
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal("41", honest.Civic("HNO"));
        Assert.Equal("41", spoofed.Civic("HNO"));
    }

    [Theory]
    [InlineData("nginx", 42)]
    [InlineData("nginx-nginx", 43)]
    [InlineData("nginx-haproxy", 44)]
    public async Task Held_SpoofedForwardedForThroughTrustedProxies_DeviceStillLocatedByItsAddress(string path, int device)
    {
        // The proxies append the address they saw; the right-most address that is not a trusted proxy is the device.
        using var client = Loopback.ClientFrom("127.0.0." + device.ToString(CultureInfo.InvariantCulture), Entry(path));
        var (status, document, body) = await PostHeldAsync(client, decorate: r => r.Headers.TryAddWithoutValidation("X-Forwarded-For", "127.0.0.66"));
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(device.ToString(CultureInfo.InvariantCulture), document.Civic("HNO"));
    }

    [Fact]
    public async Task LocationUri_BehindTlsTerminatingNginx_MintedAsHttpsAndDereferencesThroughIt()
    {
        using var client = Loopback.ClientFrom("127.0.0.26", fixture.NginxTls,
            handler => handler.SslOptions.CertificateChainPolicy = fixture.Pki.TrustOnlyThisAuthority());
        var (status, document, body) = await PostHeldAsync(client, UriRequest);
        Assert.True(status == HttpStatusCode.OK, body);
        var uri = document.LocationUri();
        Assert.NotNull(uri);
        Assert.StartsWith($"https://127.0.0.1:{fixture.NginxTls.Port}/loc/", uri, StringComparison.Ordinal);

        using var dereferenced = await client.GetAsync(new Uri(uri));
        var pidf = await dereferenced.Content.ReadAsStringAsync();
        Assert.True(dereferenced.StatusCode == HttpStatusCode.OK, pidf);
        Assert.Equal("26", XDocument.Parse(pidf).Civic("HNO"));
    }

    [Fact]
    public async Task LocationUri_DirectCleartext_MintedUnderTheLocalAddress()
    {
        using var client = Loopback.ClientFrom("127.0.0.27", fixture.Direct);
        var (_, document, body) = await PostHeldAsync(client, UriRequest, r => r.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https"));
        Assert.StartsWith($"http://127.0.0.1:{fixture.HttpPort}/loc/", document.LocationUri() ?? body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_WithoutKeyThroughTrustedProxies_Refused()
    {
        using var direct = Loopback.ClientFrom("127.0.0.9", fixture.Direct);
        using var viaNginx = Loopback.ClientFrom("127.0.0.9", fixture.Nginx);
        using var viaHaproxy = Loopback.ClientFrom("127.0.0.9", fixture.Haproxy);
        using var fromProxyAddress = Loopback.ClientFrom("127.0.0.1", fixture.Direct);
        using var spoofing = Loopback.ClientFrom("127.0.0.9", fixture.Nginx);
        spoofing.DefaultRequestHeaders.Add("X-Forwarded-For", "127.0.0.1");

        var tenants = new Uri("/admin/tenants", UriKind.Relative);
        Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync(tenants)).StatusCode);
        // Relayed by a proxy on this machine: the forwarded client is loopback too, but the request is not local.
        Assert.Equal(HttpStatusCode.Unauthorized, (await viaNginx.GetAsync(tenants)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await spoofing.GetAsync(tenants)).StatusCode);
        // Through an L4 balancer: the PROXY header names a loopback client, but the connection is the balancer's.
        Assert.Equal(HttpStatusCode.Unauthorized, (await viaHaproxy.GetAsync(tenants)).StatusCode);
        // A connection from a trusted proxy's address without forwarding headers is not local either.
        Assert.Equal(HttpStatusCode.Unauthorized, (await fromProxyAddress.GetAsync(tenants)).StatusCode);
    }

    [Fact]
    public async Task Held_FromTrustedProxyAddressWithoutForwardingHeader_NotLocatedAtTheProxy()
    {
        using var client = Loopback.ClientFrom("127.0.0.1", fixture.Direct);
        var (_, document, body) = await PostHeldAsync(client);
        Assert.NotEqual(ProxyFixture.ProxyHouseNumber.ToString(CultureInfo.InvariantCulture), document.Civic("HNO"));
        Assert.Equal("locationUnknown", document.ErrorCode() ?? body);
    }

    [Fact]
    public async Task ProxyProtocolEndpoint_TrustedSourceWithoutHeader_ClosedUnanswered()
    {
        var answer = await RawAsync("127.0.0.1", fixture.ProxyProtocolPort, [], HttpPost(CivicRequest));
        Assert.Equal("", answer);
    }

    [Fact]
    public async Task ProxyProtocolEndpoint_UntrustedSourceWithValidHeader_ClosedUnanswered()
    {
        var header = ProxyHeader(IPAddress.Parse("127.0.0.66"), IPAddress.Loopback);
        var answer = await RawAsync("127.0.0.45", fixture.ProxyProtocolPort, header, HttpPost(CivicRequest));
        Assert.Equal("", answer);
    }

    [Fact]
    public async Task ProxyProtocolEndpoint_Ipv4HeaderWithTlvs_LocatedByTheHeaderSource()
    {
        var header = ProxyHeader(IPAddress.Parse("127.0.0.46"), IPAddress.Loopback, tlvs: [0x01, 0x00, 0x02, (byte)'h', (byte)'2', 0x04, 0x00, 0x00]);
        var answer = await RawAsync("127.0.0.1", fixture.ProxyProtocolPort, header, HttpPost(CivicRequest));
        Assert.Contains("HNO>46</", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyProtocolEndpoint_Ipv6Header_LocatedByTheHeaderSource()
    {
        var header = ProxyHeader(IPAddress.Parse("2001:db8:6::17"), IPAddress.Parse("2001:db8::1"));
        var answer = await RawAsync("127.0.0.2", fixture.ProxyProtocolPort, header, HttpPost(CivicRequest));
        Assert.Contains("HNO>6</", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyProtocolEndpoint_LocalCommand_NotLocatedAtTheBalancer()
    {
        // LOCAL: the balancer's own connection (a health check); there is no client address to locate.
        byte[] header = [.. ProxyProtocolV2Tests.Signature, 0x20, 0x00, 0x00, 0x00];
        var answer = await RawAsync("127.0.0.1", fixture.ProxyProtocolPort, header, HttpPost(CivicRequest));
        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("HNO>", answer, StringComparison.Ordinal);
        Assert.Contains("locationUnknown", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyProtocolEndpoint_HeaderSplitAcrossWrites_Located()
    {
        var header = ProxyHeader(IPAddress.Parse("127.0.0.47"), IPAddress.Loopback);
        using var client = new TcpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await client.ConnectAsync(IPAddress.Loopback, fixture.ProxyProtocolPort);
        var stream = client.GetStream();
        foreach (var b in header)
        {
            await stream.WriteAsync(new[] { b });
            await stream.FlushAsync();
            await Task.Delay(2);
        }
        await stream.WriteAsync(HttpPost(CivicRequest));
        using var reader = new StreamReader(stream);
        Assert.Contains("HNO>47</", await reader.ReadToEndAsync(), StringComparison.Ordinal);
    }

    internal static byte[] ProxyHeader(IPAddress source, IPAddress destination, byte[]? tlvs = null)
    {
        tlvs ??= [];
        var v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        var size = v6 ? 16 : 4;
        var block = new byte[2 * size + 4 + tlvs.Length];
        source.GetAddressBytes().CopyTo(block, 0);
        destination.GetAddressBytes().CopyTo(block, size);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(2 * size), 51234);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(2 * size + 2), 80);
        tlvs.CopyTo(block, 2 * size + 4);
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)block.Length);
        return [.. ProxyProtocolV2Tests.Signature, 0x21, (byte)(v6 ? 0x21 : 0x11), .. length, .. block];
    }

    private static byte[] HttpPost(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = $"POST /held HTTP/1.1\r\nHost: lis.test\r\nContent-Type: application/held+xml\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. bytes];
    }

    /// <summary>Sends <paramref name="header"/> then <paramref name="request"/> from <paramref name="source"/>; returns what came back before the close ("" for none).</summary>
    private static async Task<string> RawAsync(string source, int port, byte[] header, byte[] request)
    {
        using var client = new TcpClient(new IPEndPoint(IPAddress.Parse(source), 0));
        NetworkStream stream;
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            stream = client.GetStream();
            await stream.WriteAsync(header);
            await stream.WriteAsync(request);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // Reset while connecting or writing: the refusal under test.
            return "";
        }
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0) received.Write(buffer, 0, read);
        }
        catch (IOException)
        {
            // A reset instead of a close.
        }
        return Encoding.UTF8.GetString(received.ToArray());
    }
}
