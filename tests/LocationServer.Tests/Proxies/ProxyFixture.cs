using System.Globalization;
using System.Net;
using System.Text;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Proxies;

/// <summary>
/// The service behind real proxies on loopback, as it is deployed behind load balancers. Trusted proxies are
/// 127.0.0.1 and 127.0.0.2 (the proxies' source addresses); every simulated device connects from its own
/// 127.0.0.N, which the wiremap maps to a site whose house number is N. The proxies' own addresses map to house
/// number 1, so a device located there was located by its proxy's address: the failure these tests exist to catch.
/// <list type="bullet">
/// <item>nginx (L7, X-Forwarded-For) → service; nginx → nginx → service (two hops, the outer one from 127.0.0.2)</item>
/// <item>haproxy (L4, send-proxy-v2) → the service's PROXY protocol endpoint; nginx (from 127.0.0.2) → haproxy → that endpoint</item>
/// <item>nginx terminating TLS with a certificate made at test time → service over cleartext</item>
/// </list>
/// </summary>
public sealed class ProxyFixture : IAsyncLifetime
{
    public const string Tenant = "demo";
    public const int ProxyHouseNumber = 1;

    private readonly List<IAsyncDisposable> _running = [];
    private string _pkiDirectory = "";

    public int HttpPort { get; } = Loopback.FreePort();

    public int ProxyProtocolPort { get; } = Loopback.FreePort();

    public Uri Direct => new($"http://127.0.0.1:{HttpPort}");

    public Uri Nginx { get; private set; } = null!;

    public Uri NginxChain { get; private set; } = null!;

    public Uri Haproxy { get; private set; } = null!;

    public Uri NginxThenHaproxy { get; private set; } = null!;

    public Uri NginxTls { get; private set; } = null!;

    internal TestPki Pki { get; } = new();

    internal LisProcess Service { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Service = await LisProcess.StartAsync(new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{HttpPort}",
            ["Kestrel:Endpoints:Balanced:Url"] = $"http://127.0.0.1:{ProxyProtocolPort}",
            ["Network:TrustedProxies:0"] = "127.0.0.1",
            ["Network:TrustedProxies:1"] = "127.0.0.2/32",
            ["Network:ProxyProtocolEndpoints:0"] = "Balanced",
            ["Held:UriWhenAny"] = "false",
        }, Direct);
        _running.Add(Service);

        var nginx = await ProxyProcess.StartNginxAsync($$"""
                listen 127.0.0.1:{port};
                location / {
                  proxy_pass http://127.0.0.1:{{HttpPort}};
                  proxy_http_version 1.1;
                  proxy_set_header Host $http_host;
                  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                  proxy_set_header X-Forwarded-Proto $scheme;
                }
            """);
        _running.Add(nginx);
        Nginx = nginx.Address;

        var outer = await ProxyProcess.StartNginxAsync($$"""
                listen 127.0.0.1:{port};
                location / {
                  proxy_pass http://127.0.0.1:{{nginx.Port}};
                  proxy_bind 127.0.0.2;
                  proxy_set_header Host $http_host;
                  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                  proxy_set_header X-Forwarded-Proto $scheme;
                }
            """);
        _running.Add(outer);
        NginxChain = outer.Address;

        var haproxy = await ProxyProcess.StartHaproxyAsync(ProxyProtocolPort);
        _running.Add(haproxy);
        Haproxy = haproxy.Address;

        var nginxToHaproxy = await ProxyProcess.StartNginxAsync($$"""
                listen 127.0.0.1:{port};
                location / {
                  proxy_pass http://127.0.0.1:{{haproxy.Port}};
                  proxy_bind 127.0.0.2;
                  proxy_set_header Host $http_host;
                  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                  proxy_set_header X-Forwarded-Proto $scheme;
                }
            """);
        _running.Add(nginxToHaproxy);
        NginxThenHaproxy = nginxToHaproxy.Address;

        _pkiDirectory = Directory.CreateTempSubdirectory("locationserver-pki-").FullName;
        Loopback.SetMode(_pkiDirectory, (UnixFileMode)0b111_101_101);
        var certificate = Path.Combine(_pkiDirectory, "server.crt");
        var key = Path.Combine(_pkiDirectory, "server.key");
        Pki.IssueServer(certificate, key, "nginx").Dispose();
        var tls = await ProxyProcess.StartNginxAsync($$"""
                listen 127.0.0.1:{port} ssl;
                ssl_certificate {{certificate}};
                ssl_certificate_key {{key}};
                ssl_protocols TLSv1.2 TLSv1.3;
                location / {
                  proxy_pass http://127.0.0.1:{{HttpPort}};
                  proxy_set_header Host $http_host;
                  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                  proxy_set_header X-Forwarded-Proto $scheme;
                }
            """);
        _running.Add(tls);
        NginxTls = new Uri($"https://127.0.0.1:{tls.Port}");

        // The wiremap is replaced from a direct loopback connection that is not a trusted proxy (no admin key set).
        using var admin = Loopback.ClientFrom("127.0.0.9", Direct);
        using var content = new StringContent(Wiremap(), Encoding.UTF8, "application/json");
        using var response = await admin.PutAsync(new Uri($"/admin/tenants/{Tenant}/wiremap", UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"wiremap import answered {(int)response.StatusCode}: {body}\n{Service.Output}");
    }

    public async Task DisposeAsync()
    {
        for (var i = _running.Count - 1; i >= 0; i--) await _running[i].DisposeAsync();
        Pki.Dispose();
        if (_pkiDirectory.Length > 0) Directory.Delete(_pkiDirectory, recursive: true);
    }

    /// <summary>Sites numbered by the last octet of the one loopback address each holds (the proxies share number 1), plus an IPv6 one (number 6).</summary>
    private static string Wiremap()
    {
        var sites = new List<string>();
        var elements = new List<string>();
        void Site(int number, params string[] subnets)
        {
            var id = "s" + number.ToString(CultureInfo.InvariantCulture);
            sites.Add($$"""{ "id": "{{id}}", "name": "Site {{number}}", "address": { "country": "US", "A1": "TX", "A3": "Austin", "RD": "Congress", "STS": "Ave", "HNO": "{{number}}", "PC": "78701" } }""");
            foreach (var subnet in subnets) elements.Add($$"""{ "kind": "subnet", "value": "{{subnet}}", "siteId": "{{id}}" }""");
        }
        Site(ProxyHouseNumber, "127.0.0.1", "127.0.0.2");
        for (var n = 20; n <= 70; n++) Site(n, "127.0.0." + n.ToString(CultureInfo.InvariantCulture));
        Site(6, "2001:db8:6::/48");
        return $$"""
            {
              "tenant": { "id": "{{Tenant}}", "name": "Proxy tests" },
              "sites": [ {{string.Join(",\n", sites)}} ],
              "elements": [ {{string.Join(",\n", elements)}} ]
            }
            """;
    }
}
