using System.Net;
using System.Text;
using Google.Protobuf;
using LocationServer.Routing.V1;
using LocationServer.Tests.Grpc;
using LocationServer.Tests.RoutingEndToEnd;
using LocationServer.Wiremap;

namespace LocationServer.Tests.Policies;

/// <summary>
/// The built service as a child process: a policy written over HTTP, and the call server's side played by the real
/// Python grpcio client, which reads the new answer fields (policy, mode, conference hint, the call-server route).
/// </summary>
public sealed class PolicyGrpcTests : IAsyncLifetime
{
    private const string Service = "/locationserver.routing.v1.RoutingService/";
    private readonly ServiceProcess _service = new(Directory.CreateTempSubdirectory("locationserver-policy-").FullName);

    public Task InitializeAsync() => _service.StartAsync();

    public async Task DisposeAsync() => await _service.DisposeAsync();

    private async Task<(int Code, string? Details, RouteCallResponse? Response)> RouteCallAsync(string dialed, string stationIp)
    {
        var request = new RouteCallRequest { Tenant = "demo", Dialed = dialed, CallingNumber = "+15125550123", StationIp = stationIp };
        var result = await GrpcClients.PythonAsync(_service.GrpcTarget, Service + "RouteCall", request.ToByteArray(), apiKey: DemoWiremap.CallServerKey);
        return (result.Code, result.Details, result.Code == 0 ? RouteCallResponse.Parser.ParseFrom(result.Response) : null);
    }

    [Fact]
    public async Task RouteCall_OverGrpc_AnswerNamesPolicyModeAndConferenceHint()
    {
        using var client = new HttpClient { BaseAddress = _service.HttpAddress };
        using (var content = new StringContent("""
            {"name":"Annex rollout","scope":"site","siteIds":["annex"],"preset":"uk","mode":"testOnly","carrierRouteUri":"sip:999@trunk.example",
             "conference":{"uri":"sip:desk@annex.example","mode":"twoWay"}}
            """, Encoding.UTF8, "application/json"))
        using (var put = await client.PutAsync("/admin/tenants/demo/policies/annex", content))
            Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync());

        var (code, details, answer) = await RouteCallAsync("999", "10.2.0.77");
        Assert.True(code == 0, details);
        Assert.Equal(RouteKind.CallServerDefault, answer!.Route.Kind);
        Assert.Equal("sip:999@trunk.example", answer.Route.Uri);
        Assert.Equal("annex", answer.Policy.Id);
        Assert.Equal("Annex rollout", answer.Policy.Name);
        Assert.Equal("site annex", answer.Policy.Scope);
        Assert.Equal(PolicyMode.TestOnly, answer.PolicyMode);
        Assert.Equal("sip:desk@annex.example", answer.Conference.Uri);
        Assert.Equal(ConferenceMode.TwoWay, answer.Conference.Mode);
        Assert.Equal("annex", answer.Conference.PolicyId);
        Assert.Equal("annex-2", answer.Location.LocationId);

        // HQ has no policy: a PSAP route, the global scope, no conference, and 999 refused as before.
        var (_, _, hq) = await RouteCallAsync("911", "10.1.3.44");
        Assert.Equal(RouteKind.Psap, hq!.Route.Kind);
        Assert.Equal("", hq.Policy.Id);
        Assert.Equal("global", hq.Policy.Scope);
        Assert.Equal(PolicyMode.Enabled, hq.PolicyMode);
        Assert.Null(hq.Conference);
        var (refused, why, _) = await RouteCallAsync("999", "10.1.3.44");
        Assert.Equal(3, refused);
        Assert.Contains("not an emergency or test dial string", why, StringComparison.Ordinal);
    }
}
