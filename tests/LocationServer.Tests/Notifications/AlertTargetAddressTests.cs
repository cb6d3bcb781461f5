using System.Net;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.AdminAccounts;
using LocationServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Notifications;

/// <summary>
/// A target with several addresses of its channel: each address is validated and named on its own, each gets the
/// alert (a real SMTP server receives one message per recipient) and each has its own delivery record; a single
/// <c>url</c> is still a target of one address. The OpenAPI document describes the request and answers of every alert
/// operation.
/// </summary>
public sealed class AlertTargetAddressTests : IAsyncLifetime
{
    private readonly LocationServerFactory _factory = new();
    private readonly SmtpSink _smtp = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync() => _client = await _smtp.StartForAsync(_factory);

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task AlertTarget_ThreeMailtoAddresses_OneMessageAndOneDeliveryRecordPerRecipient()
    {
        var (added, body) = await AdminApi.SendAsync(_client, null, HttpMethod.Post, "/admin/tenants/demo/alert-targets",
            """{"url":"mailto:guard1@example.com","addresses":["mailto:guard2@example.com","mailto:guard3@example.com"],"kinds":["emergency-call"]}""");
        Assert.True(added == HttpStatusCode.OK, body);
        var view = JsonDocument.Parse(body).RootElement;
        Assert.Equal("mailto:guard1@example.com", view.GetProperty("url").GetString());
        Assert.Equal("email", view.GetProperty("channel").GetString());
        Assert.Equal(["mailto:guard1@example.com", "mailto:guard2@example.com", "mailto:guard3@example.com"],
            view.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));

        string recordId;
        using (var scope = _factory.Services.CreateScope())
        {
            var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
                new EmergencyCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = "+15125550100" }, CancellationToken.None);
            recordId = outcome.Value!.CallRecordId;
        }

        var messages = await _smtp.MessagesAsync(3);
        Assert.Equal(["guard1@example.com", "guard2@example.com", "guard3@example.com"],
            messages.Select(m => m.To.Mailboxes.Single().Address).Order(StringComparer.Ordinal));
        Assert.All(messages, m => Assert.Contains(recordId, m.TextBody, StringComparison.Ordinal));
        Assert.Equal(3, messages.Select(m => m.MessageId).Distinct().Count());

        var (_, alerts) = await AdminApi.GetAsync(_client, null, "/admin/tenants/demo/alerts");
        var alertId = JsonDocument.Parse(alerts).RootElement.EnumerateArray().First(a => a.GetProperty("event").GetString() == "emergency-call").GetProperty("id").GetString();
        var shown = await Poll.UntilAsync(() => AdminApi.GetAsync(_client, null, $"/admin/tenants/demo/alerts/{alertId}"),
            r => JsonDocument.Parse(r.Body).RootElement.GetProperty("deliveries").GetArrayLength() >= 3, TimeSpan.FromSeconds(30), "three delivery records");
        var deliveries = JsonDocument.Parse(shown.Body).RootElement.GetProperty("deliveries").EnumerateArray().ToList();
        Assert.Equal(3, deliveries.Count);
        Assert.Equal(["mailto:guard1@example.com", "mailto:guard2@example.com", "mailto:guard3@example.com"],
            deliveries.Select(d => d.GetProperty("url").GetString()).Order(StringComparer.Ordinal));
        Assert.All(deliveries, d => Assert.Equal("delivered", d.GetProperty("status").GetString()));
        Assert.Single(deliveries.Select(d => d.GetProperty("targetId").GetString()).Distinct());
    }

    [Theory]
    [InlineData("""{"url":"mailto:guard1@example.com","addresses":["mailto:guard1@example.com","sms:+15125550777"]}""", "/addresses/1: every address of a target is of one channel")]
    [InlineData("""{"addresses":["mailto:guard1@example.com","mailto:not an address"]}""", "/addresses/1: a mailto: URI must name one e-mail address")]
    [InlineData("""{"url":"mailto:guard1@example.com","addresses":["mailto:guard2@example.com","mailto:GUARD2@example.com"]}""", "/addresses/1: 'mailto:GUARD2@example.com' is already an address of this target")]
    [InlineData("""{"addresses":["sms:+15125550777"]}""", "/addresses/0: SMS targets need a gateway")]
    [InlineData("""{"kinds":["location-changed"]}""", "/url: ")]
    public async Task AlertTarget_BadAddressInTheList_400NamingItsPath(string request, string expected)
    {
        var (status, body) = await AdminApi.SendAsync(_client, null, HttpMethod.Post, "/admin/tenants/demo/alert-targets", request);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertTarget_SingleUrl_StillOneAddress()
    {
        var (status, body) = await AdminApi.SendAsync(_client, null, HttpMethod.Post, "/admin/tenants/demo/alert-targets", """{"addresses":["mailto:desk@example.com"]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var view = JsonDocument.Parse(body).RootElement;
        Assert.Equal("mailto:desk@example.com", view.GetProperty("url").GetString());
        Assert.Equal(["mailto:desk@example.com"], view.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        var (_, listed) = await AdminApi.GetAsync(_client, null, "/admin/tenants/demo/alert-targets");
        Assert.Contains("\"addresses\":[\"mailto:desk@example.com\"]", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_AlertOperations_CarryRequestAndResponseSchemas()
    {
        var document = JsonDocument.Parse(await _client.GetStringAsync("/openapi/v1.json")).RootElement;
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var alertPaths = document.GetProperty("paths").EnumerateObject().Where(p => p.Name.Contains("/alert", StringComparison.Ordinal)).ToList();
        // Targets (list, add, remove), alerts (list, one, acknowledge), the live feed and the delivery log.
        Assert.Equal(8, alertPaths.Sum(p => p.Value.EnumerateObject().Count()));
        foreach (var path in alertPaths)
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var where = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var success = operation.Value.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
                Assert.True(success.Count > 0, $"{where} has no success response");
                foreach (var response in success.Where(r => r.Name != "204"))
                {
                    Assert.True(response.Value.TryGetProperty("content", out var content) && content.EnumerateObject().Any(c => c.Value.TryGetProperty("schema", out _)),
                        $"{where} {response.Name} has no schema");
                }
            }
        }

        var add = document.GetProperty("paths").GetProperty("/admin/tenants/{tenant}/alert-targets").GetProperty("post");
        var request = Resolve(schemas, add.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        var properties = request.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["addresses", "kinds", "scope", "scopeId", "secret", "url"], properties.Order(StringComparer.Ordinal));
        var answer = Resolve(schemas, add.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.Contains("addresses", answer.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.True(document.GetProperty("paths").GetProperty("/admin/tenants/{tenant}/alerts/live").GetProperty("get")
            .GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));

        // The schema is the document's only: routing still answers an anonymous caller 401, not 415.
        using var anonymous = new HttpRequestMessage(HttpMethod.Post, "/admin/tenants/demo/alert-targets") { Content = new StringContent("{}") };
        anonymous.Content.Headers.ContentType = null;
        anonymous.Headers.Add(LocationServerFactory.RemoteIpHeader, "192.0.2.30");
        using var refused = await _client.SendAsync(anonymous);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private static JsonElement Resolve(JsonElement schemas, JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference) ? schemas.GetProperty(reference.GetString()!.Split('/')[^1]) : schema;
}
