using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using LocationServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LocationServer.Tests.AdminAccounts;

/// <summary>
/// OpenID Connect bearer tokens signed by a key the test holds, configured as <c>Admin:Jwt:SigningKeys</c>, with the
/// directory's claim names and role values mapped in configuration.
/// </summary>
public sealed class JwtTests : IAsyncLifetime
{
    private const string Issuer = "https://login.example.test/enterprise/v2.0";
    private const string Audience = "api://locationserver-admin";
    private readonly RSA _signer = RSA.Create(2048);
    private readonly LocationServerFactory _factory = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _factory.Settings["Admin:Jwt:Issuer"] = Issuer;
        _factory.Settings["Admin:Jwt:Audience"] = Audience;
        _factory.Settings["Admin:Jwt:SigningKeys:0"] = _signer.ExportSubjectPublicKeyInfoPem();
        _factory.Settings["Admin:Jwt:RoleClaim"] = "groups";
        _factory.Settings["Admin:Jwt:TenantClaim"] = "org";
        _factory.Settings["Admin:Jwt:SitesClaim"] = "buildings";
        _factory.Settings["Admin:Jwt:Roles:E911-Admins"] = "tenantAdmin";
        _factory.Settings["Admin:Jwt:Roles:Facilities-HQ"] = "siteManager";
        _client = _factory.CreateClient();
        await _client.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        _signer.Dispose();
    }

    private string Token(Dictionary<string, object> claims, RSA? signer = null, string audience = Audience, TimeSpan? lifetime = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now.AddMinutes(-5),
            NotBefore = now.AddMinutes(-5),
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(10)),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signer ?? _signer), SecurityAlgorithms.RsaSha256),
        });
    }

    [Fact]
    public async Task Token_MappedDirectoryGroup_ActsAsTenantAdminOfItsTenantOnly()
    {
        var token = Token(new() { ["sub"] = "alice", ["groups"] = new[] { "Everyone", "E911-Admins" }, ["org"] = "demo" });
        Assert.Equal(HttpStatusCode.OK, (await AdminApi.GetAsync(_client, token, "/admin/tenants/demo/wiremap")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await AdminApi.GetAsync(_client, token, "/admin/tenants/acme/wiremap")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await AdminApi.GetAsync(_client, token, "/admin/keys")).Status);

        var (bound, _) = await AdminApi.SendAsync(_client, token, HttpMethod.Post, "/admin/tenants/demo/device-bindings", """[{"mac":"00-11-22-33-44-98","ip":"10.1.3.98"}]""");
        Assert.Equal(HttpStatusCode.OK, bound);
        var (_, audit) = await AdminApi.GetAsync(_client, token, "/admin/tenants/demo/audit?actor=jwt:alice");
        var entry = JsonDocument.Parse(audit).RootElement.GetProperty("items").EnumerateArray().Single();
        Assert.Equal("tenantAdmin", entry.GetProperty("actorRole").GetString());
        Assert.Equal("/admin/tenants/demo/device-bindings", entry.GetProperty("route").GetString());
    }

    [Fact]
    public async Task Token_SiteManagerWithSitesClaim_WritesOnlyInItsSites()
    {
        var token = Token(new() { ["sub"] = "bob", ["groups"] = "Facilities-HQ", ["org"] = "demo", ["buildings"] = new[] { "hq" } });
        var (inside, body) = await AdminApi.SendAsync(_client, token, HttpMethod.Post, "/admin/tenants/demo/unknown-networks/adopt",
            $$"""{"network":"{{AdminApi.Network("10.231.1.0")}}","locationId":"hq-3-west"}""");
        Assert.True(inside == HttpStatusCode.Created, body);
        var (outside, _) = await AdminApi.SendAsync(_client, token, HttpMethod.Post, "/admin/tenants/demo/unknown-networks/adopt",
            $$"""{"network":"{{AdminApi.Network("10.231.2.0")}}","locationId":"lab-1"}""");
        Assert.Equal(HttpStatusCode.Forbidden, outside);
        Assert.Equal(HttpStatusCode.Forbidden, (await AdminApi.GetAsync(_client, token, "/admin/tenants/demo/calls")).Status);
    }

    [Fact]
    public async Task Token_OurRoleNameUnmapped_IsTakenAsIs()
    {
        var token = Token(new() { ["sub"] = "carol", ["groups"] = "securityDesk", ["org"] = "demo" });
        Assert.Equal(HttpStatusCode.OK, (await AdminApi.GetAsync(_client, token, "/admin/tenants/demo/calls")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await AdminApi.GetAsync(_client, token, "/admin/tenants/demo/wiremap")).Status);
    }

    [Fact]
    public async Task Token_NoKnownRoleOrNoTenant_Authenticated403()
    {
        var unknownRole = Token(new() { ["sub"] = "dave", ["groups"] = "Sales", ["org"] = "demo" });
        Assert.Equal(HttpStatusCode.Forbidden, (await AdminApi.GetAsync(_client, unknownRole, "/admin/tenants/demo/wiremap")).Status);
        var noTenant = Token(new() { ["sub"] = "erin", ["groups"] = "E911-Admins" });
        Assert.Equal(HttpStatusCode.Forbidden, (await AdminApi.GetAsync(_client, noTenant, "/admin/tenants/demo/wiremap")).Status);
    }

    [Fact]
    public async Task Token_WrongAudienceForeignSignerOrExpired_401()
    {
        using var stranger = RSA.Create(2048);
        var claims = new Dictionary<string, object> { ["sub"] = "mallory", ["groups"] = "E911-Admins", ["org"] = "demo" };
        foreach (var token in new[]
        {
            Token(claims, audience: "api://something-else"),
            Token(claims, signer: stranger),
            Token(claims, lifetime: TimeSpan.FromMinutes(-2)),
        })
        {
            var (status, body) = await AdminApi.GetAsync(_client, token, "/admin/tenants/demo/wiremap");
            Assert.True(status == HttpStatusCode.Unauthorized, $"answered {(int)status}: {body}");
        }
        Assert.Equal(HttpStatusCode.OK, (await AdminApi.GetAsync(_client, Token(claims), "/admin/tenants/demo/wiremap")).Status);
    }
}
