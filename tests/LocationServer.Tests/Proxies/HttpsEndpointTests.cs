using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Proxies;

/// <summary>
/// The service's own HTTPS endpoint, configured as an operator does (<c>Kestrel:Endpoints:Https</c> with PEM
/// <c>Certificate:Path</c>/<c>KeyPath</c>), with a CA and certificate made at test time; clients trust that CA only.
/// </summary>
public sealed class HttpsEndpointTests : IAsyncLifetime
{
    private readonly TestPki _pki = new();
    private readonly ECDsa _serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly int _httpsPort = Loopback.FreePort();
    private string _directory = "";
    private string _certificatePath = "";
    private string _keyPath = "";
    private X509Certificate2 _first = null!;
    private LisProcess _service = null!;

    private Uri Https => new($"https://127.0.0.1:{_httpsPort}");

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("locationserver-https-").FullName;
        _certificatePath = Path.Combine(_directory, "lis.crt");
        _keyPath = Path.Combine(_directory, "lis.key");
        _first = _pki.IssueServer(_certificatePath, _keyPath, "lis first", _serverKey);
        _service = await LisProcess.StartAsync(new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Https:Url"] = Https.ToString(),
            ["Kestrel:Endpoints:Https:Certificate:Path"] = _certificatePath,
            ["Kestrel:Endpoints:Https:Certificate:KeyPath"] = _keyPath,
        }, Https, handler => handler.SslOptions.CertificateChainPolicy = _pki.TrustOnlyThisAuthority());
    }

    public async Task DisposeAsync()
    {
        if (_service is not null) await _service.DisposeAsync();
        _first?.Dispose();
        _serverKey.Dispose();
        _pki.Dispose();
        if (_directory.Length > 0) Directory.Delete(_directory, recursive: true);
    }

    private async Task<SslStream> HandshakeAsync(params SslApplicationProtocol[] protocols)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _httpsPort);
        var stream = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ApplicationProtocols = [.. protocols],
            CertificateChainPolicy = _pki.TrustOnlyThisAuthority(),
        });
        return stream;
    }

    [Fact]
    public async Task Handshake_CertificateFromConfiguration_Tls12OrLaterVerifiedAgainstTheTestCa()
    {
        await using var stream = await HandshakeAsync(SslApplicationProtocol.Http2, SslApplicationProtocol.Http11);
        Assert.True(stream.SslProtocol is SslProtocols.Tls12 or SslProtocols.Tls13, $"negotiated {stream.SslProtocol}");
        Assert.Equal(SslApplicationProtocol.Http2, stream.NegotiatedApplicationProtocol);
        Assert.Equal(_first.Thumbprint, X509CertificateLoader.LoadCertificate(stream.RemoteCertificate!.GetRawCertData()).Thumbprint);
    }

    [Fact]
    public async Task Handshake_ClientTrustingAnotherCa_Refused()
    {
        using var other = new TestPki();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _httpsPort);
        await using var stream = new SslStream(client.GetStream());
        await Assert.ThrowsAsync<AuthenticationException>(() => stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            CertificateChainPolicy = other.TrustOnlyThisAuthority(),
        }));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 0)]
    public async Task Held_OverTls_AnsweredInTheRequestedHttpVersion(int major, int minor)
    {
        var version = new Version(major, minor);
        using var client = Loopback.ClientFrom("127.0.0.1", Https, handler => handler.SslOptions.CertificateChainPolicy = _pki.TrustOnlyThisAuthority());
        using var request = HeldClient.Request("/held", HeldClient.EmptyRequest);
        request.Version = version;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(version, response.Version);
        Assert.Contains("locationResponse", body, StringComparison.Ordinal);
        // A location URI minted over TLS without Held:PublicBaseUrl names the TLS scheme it was reached by.
        Assert.Contains($"https://127.0.0.1:{_httpsPort}/loc/", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_FilesReplacedWhileRunning_NewConnectionsGetTheNewOneWithoutRestart()
    {
        // Kestrel watches the certificate files of endpoints loaded from configuration and rebinds when they change.
        var staging = Path.Combine(_directory, "next.crt");
        using var second = _pki.IssueServer(staging, Path.Combine(_directory, "next.key"), "lis second", _serverKey);
        File.Move(staging, _certificatePath, overwrite: true);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string? seen = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await using var stream = await HandshakeAsync(SslApplicationProtocol.Http11);
                seen = X509CertificateLoader.LoadCertificate(stream.RemoteCertificate!.GetRawCertData()).Thumbprint;
                if (seen == second.Thumbprint) break;
            }
            catch (IOException) { }
            catch (SocketException) { }
            await Task.Delay(250);
        }
        Assert.True(seen == second.Thumbprint, $"still served {(seen == _first.Thumbprint ? "the first certificate" : seen ?? "nothing")} 60 s after the files changed:\n{_service.Output}");

        using var client = Loopback.ClientFrom("127.0.0.1", Https, handler => handler.SslOptions.CertificateChainPolicy = _pki.TrustOnlyThisAuthority());
        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
