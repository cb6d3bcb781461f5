using System.Net;
using System.Text;
using LocationServer.Data.Wiremap;
using LocationServer.Tests.Infrastructure;
using LocationServer.Wiremap;

namespace LocationServer.Tests.Held;

/// <summary>RFC 5985 §4.1/§6.5: <c>cannotProvideLiType</c> when <c>exact="true"</c> asks for a type that cannot be given.</summary>
public sealed class LocationTypeTests : IDisposable
{
    private const string Phone = "10.1.3.44";
    private readonly LocationServerFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private static string TypeRequest(string types, bool exact) =>
        $"<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"><locationType exact=\"{(exact ? "true" : "false")}\">{types}</locationType></locationRequest>";

    [Fact]
    public async Task Held_ExactGeodeticForLocationWithoutPoint_CannotProvideLiTypeWhileInexactAnswersCivic()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        // No site carries a point any more: HQ floor 3 west has a civic address only.
        var demo = DemoWiremap.Create();
        var civicOnly = demo with { Sites = [.. demo.Sites.Select(s => s with { Point = null })], Locations = [.. demo.Locations.Select(l => l with { Point = null })] };
        var version = _factory.Services.GetService(typeof(LocationServer.Core.Matching.WiremapIndexHolder)) as LocationServer.Core.Matching.WiremapIndexHolder;
        var before = version!.Current.Version;
        using (var content = new StringContent(WiremapJson.WriteToString(civicOnly), Encoding.UTF8, "application/json"))
        using (var imported = await client.PutAsync("/admin/tenants/demo/wiremap", content))
            Assert.True(imported.StatusCode == HttpStatusCode.OK, await imported.Content.ReadAsStringAsync());
        await Poll.UntilAsync(() => version.Current.Version > before, TimeSpan.FromSeconds(30), "the civic-only wiremap in the index");

        var (response, document, body) = await client.PostHeldAsync(TypeRequest("geodetic", exact: true), Phone);
        response.Dispose();
        Assert.True(document.ErrorCode() == "cannotProvideLiType", body);

        var (inexact, answer, answerBody) = await client.PostHeldAsync(TypeRequest("geodetic", exact: false), Phone);
        inexact.Dispose();
        Assert.True(answer.ErrorCode() is null, answerBody);
        Assert.Equal("Congress", answer.Civic("RD"));
    }

    [Fact]
    public async Task Dereference_ExactLocationUri_CannotProvideLiType()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        var (minted, document, body) = await client.PostHeldAsync(TypeRequest("locationURI", exact: true), Phone);
        minted.Dispose();
        var uri = document.LocationUri();
        Assert.False(string.IsNullOrEmpty(uri), body);

        var (response, error, errorBody) = await client.PostHeldAsync(TypeRequest("locationURI", exact: true), path: new Uri(uri!).AbsolutePath);
        response.Dispose();
        Assert.True(error.ErrorCode() == "cannotProvideLiType", errorBody);

        var (civic, answer, answerBody) = await client.PostHeldAsync(TypeRequest("civic", exact: true), path: new Uri(uri!).AbsolutePath);
        civic.Dispose();
        Assert.True(answer.ErrorCode() is null && answer.Civic("RD") == "Congress", answerBody);
    }
}
