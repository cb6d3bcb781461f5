using System.Net;
using System.Text.Json;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.AdminAccounts;

/// <summary>401 for missing, unknown, revoked and expired credentials on the embedded default (SQLite, fake clock).</summary>
public sealed class KeyLifecycleTests : IAsyncLifetime
{
    private readonly LocationServerFactory _factory = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = _factory.CreateClient();
        await _client.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task NoCredentials_FromAnotherHost_401WithProblemAndChallenge()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/tenants");
        request.Headers.Add(LocationServerFactory.RemoteIpHeader, "192.0.2.10");
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("lsk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("lsk_short")]
    [InlineData("not-a-key-at-all-but-long-enough")]
    public async Task UnknownOrMalformedKey_FromLoopbackToo_401(string key)
    {
        var (status, body) = await AdminApi.GetAsync(_client, key, "/admin/tenants");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("\"status\":401", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongSecret_KnownKeyId_401()
    {
        var key = await AdminApi.CreateKeyAsync(_client, null, """{"role":"system"}""");
        var forged = key[..21] + new string('A', key.Length - 21);
        Assert.Equal(HttpStatusCode.OK, (await AdminApi.GetAsync(_client, key, "/admin/tenants")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AdminApi.GetAsync(_client, forged, "/admin/tenants")).Status);
    }

    [Fact]
    public async Task RevokedKey_OnTheNodeThatRevokedIt_RefusedAtOnce()
    {
        var admin = await AdminApi.CreateKeyAsync(_client, null, """{"role":"tenantAdmin","tenant":"demo"}""");
        var desk = await AdminApi.CreateKeyAsync(_client, admin, """{"role":"securityDesk"}""", "/admin/tenants/demo/keys");
        Assert.Equal(HttpStatusCode.OK, (await AdminApi.GetAsync(_client, desk, "/admin/tenants/demo/calls")).Status);

        var (revoked, _) = await AdminApi.SendAsync(_client, admin, HttpMethod.Delete, $"/admin/tenants/demo/keys/{AdminApi.IdOf(desk)}");
        Assert.Equal(HttpStatusCode.NoContent, revoked);
        var (status, body) = await AdminApi.GetAsync(_client, desk, "/admin/tenants/demo/calls");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("revoked", body, StringComparison.Ordinal);

        var (_, list) = await AdminApi.GetAsync(_client, admin, "/admin/tenants/demo/keys");
        var listed = JsonDocument.Parse(list).RootElement.EnumerateArray().Single(k => k.GetProperty("id").GetString() == AdminApi.IdOf(desk));
        Assert.Equal("revoked", listed.GetProperty("state").GetString());
        Assert.Equal("key:" + AdminApi.IdOf(admin), listed.GetProperty("revokedBy").GetString());
    }

    [Fact]
    public async Task ExpiredKey_AfterItsExpiry_Refused()
    {
        var expires = _factory.Time.GetUtcNow().AddHours(1).ToString("O");
        var key = await AdminApi.CreateKeyAsync(_client, null, $$"""{"role":"auditor","tenant":"demo","expiresUtc":"{{expires}}"}""");
        Assert.Equal(HttpStatusCode.OK, (await AdminApi.GetAsync(_client, key, "/admin/tenants/demo/wiremap")).Status);

        _factory.Time.Advance(TimeSpan.FromMinutes(61));
        var (status, body) = await AdminApi.GetAsync(_client, key, "/admin/tenants/demo/wiremap");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("expired", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyCreate_ExpiryInThePast_Refused()
    {
        var past = _factory.Time.GetUtcNow().AddMinutes(-1).ToString("O");
        var (status, body) = await AdminApi.SendAsync(_client, null, HttpMethod.Post, "/admin/keys", $$"""{"role":"system","expiresUtc":"{{past}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("/expiresUtc", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyList_AfterCreation_NeverShowsTheSecret()
    {
        var key = await AdminApi.CreateKeyAsync(_client, null, """{"role":"system","name":"holder"}""");
        var secret = key[21..];
        var (_, list) = await AdminApi.GetAsync(_client, null, "/admin/keys");
        Assert.Contains(AdminApi.IdOf(key), list, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);
        var (_, audit) = await AdminApi.GetAsync(_client, null, "/admin/audit?kind=key.create");
        Assert.Contains(AdminApi.IdOf(key), audit, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, audit, StringComparison.Ordinal);
    }
}

/// <summary>With <c>Admin:ApiKey</c> set, loopback is no admin on the embedded default either; the key is a system key.</summary>
public sealed class ConfiguredKeyTests : IAsyncLifetime
{
    private const string BreakGlass = "break-glass-key-of-this-test-0001";
    private readonly LocationServerFactory _factory = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _factory.Settings["Admin:ApiKey"] = BreakGlass;
        _client = _factory.CreateClient();
        await _client.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task ConfiguredKey_ActsAsSystemAndLoopbackAloneIsRefused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await AdminApi.GetAsync(_client, null, "/admin/keys")).Status);
        Assert.Equal(HttpStatusCode.OK, (await AdminApi.GetAsync(_client, BreakGlass, "/admin/keys")).Status);
        var key = await AdminApi.CreateKeyAsync(_client, BreakGlass, """{"role":"system"}""");
        var (_, audit) = await AdminApi.GetAsync(_client, key, "/admin/audit?actor=config-key");
        Assert.Contains(AdminApi.IdOf(key), audit, StringComparison.Ordinal);
    }
}
