using System.Text;
using System.Xml.Linq;
using LocationServer.Held.Tests.Support;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Policies;

/// <summary>
/// HELD+ soft clients under the manual-entry policy: a user-entered address refused under notAllowed with the policy
/// named, and the policy with its disclaimer returned in the <c>ext:manualEntry</c> extension of schema-valid HELD
/// errors and responses (RFC 5985 §7 allows lax <c>##other</c> elements in both).
/// </summary>
public sealed class PolicyHeldTests(PolicyHost host) : IClassFixture<PolicyHost>, IAsyncLifetime
{
    private static readonly XNamespace Ext = "urn:locationserver:held:ext";
    private const string Disclaimer = "Enter the address where you are. It is sent to 911 with your call; a wrong address can delay help.";

    public Task InitializeAsync() => host.ClearPoliciesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static string SoftClient(string gatewayMac, bool withAddress) => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <locationType exact="false">civic locationURI</locationType>
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>3c-22-fb-00-10-01</mac></device>
          <gatewayMac xmlns="urn:locationserver:held:ext">{gatewayMac}</gatewayMac>
          {(withAddress ? """
            <userProvidedLocation xmlns="urn:locationserver:held:ext">
              <civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr">
                <country>US</country><A1>TX</A1><A3>Austin</A3><RD>Elm</RD><STS>St</STS><HNO>42</HNO><PC>78704</PC>
              </civicAddress>
            </userProvidedLocation>
            """ : "")}
        </locationRequest>
        """;

    private async Task<(XDocument Document, byte[] Body)> AskAsync(string gatewayMac, bool withAddress, string remoteIp)
    {
        using var request = HeldClient.Request("/held", SoftClient(gatewayMac, withAddress), remoteIp);
        using var response = await host.Client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        SchemaValidator.AssertValid(body);
        return (XDocument.Parse(Encoding.UTF8.GetString(body)), body);
    }

    private static XElement ManualEntry(XDocument document) =>
        Assert.Single(document.Root!.Elements(Ext + "manualEntry"));

    [Fact]
    public async Task Held_NotAllowedPolicy_RefusesUserEnteredAddressNamingThePolicy()
    {
        await host.PolicyAsync("no-manual", $$"""{"name":"Desk phones only","scope":"tenant","manualEntry":"notAllowed","disclaimer":"{{Disclaimer}}"}""");

        var (unknown, _) = await AskAsync("f0-9f-c2-10-00-01", withAddress: false, "203.0.113.70");
        Assert.Equal("locationUnknown", unknown.ErrorCode());
        Assert.Equal("notAllowed", ManualEntry(unknown).Attribute("policy")?.Value);

        var (refused, _) = await AskAsync("f0-9f-c2-10-00-01", withAddress: true, "203.0.113.70");
        Assert.Equal("requestError", refused.ErrorCode());
        var message = refused.Root!.Element(HeldClient.Held + "message")!.Value;
        Assert.Contains("policy 'no-manual' (tenant)", message, StringComparison.Ordinal);
        var hint = ManualEntry(refused);
        Assert.Equal("notAllowed", hint.Attribute("policy")?.Value);
        Assert.Equal("no-manual", hint.Attribute("policyId")?.Value);
        Assert.Equal(Disclaimer, hint.Element(Ext + "disclaimer")?.Value);

        // Nothing was stored: with manual entry allowed again the network is still unknown.
        await host.ClearPoliciesAsync();
        var (after, _) = await AskAsync("f0-9f-c2-10-00-01", withAddress: false, "203.0.113.70");
        Assert.Equal("locationUnknown", after.ErrorCode());
    }

    [Fact]
    public async Task Held_RequiredPolicyWithDisclaimer_ReturnedInSchemaValidErrorAndResponse()
    {
        await host.PolicyAsync("soft", $$"""{"name":"Soft clients","scope":"tenant","manualEntry":"required","disclaimer":"{{Disclaimer}}"}""");

        var (prompt, _) = await AskAsync("f0-9f-c2-10-00-02", withAddress: false, "203.0.113.71");
        Assert.Equal("locationUnknown", prompt.ErrorCode());
        var hint = ManualEntry(prompt);
        Assert.Equal("required", hint.Attribute("policy")?.Value);
        Assert.Equal(Disclaimer, hint.Element(Ext + "disclaimer")?.Value);
        Assert.Equal("en", hint.Element(Ext + "disclaimer")?.Attribute(XNamespace.Xml + "lang")?.Value);

        var (located, _) = await AskAsync("f0-9f-c2-10-00-02", withAddress: true, "203.0.113.71");
        Assert.Null(located.ErrorCode());
        Assert.Equal("Elm", located.Civic("RD"));
        Assert.NotNull(located.LocationUri());
        Assert.Equal(Disclaimer, ManualEntry(located).Element(Ext + "disclaimer")?.Value);
    }

    [Fact]
    public async Task Held_NetworkPolicyOverTenant_DecidesManualEntryForThatNetwork()
    {
        await host.PolicyAsync("tenant", """{"name":"Tenant","scope":"tenant","manualEntry":"notAllowed"}""");
        await host.PolicyAsync("home-workers", """{"name":"Home workers' public range","scope":"network","networks":["203.0.113.64/28"],"manualEntry":"optional"}""");

        var (allowed, _) = await AskAsync("f0-9f-c2-10-00-03", withAddress: true, "203.0.113.72");
        Assert.Null(allowed.ErrorCode());
        Assert.Equal("optional", ManualEntry(allowed).Attribute("policy")?.Value);
        Assert.Equal("home-workers", ManualEntry(allowed).Attribute("policyId")?.Value);

        var (refused, _) = await AskAsync("f0-9f-c2-10-00-04", withAddress: true, "198.18.0.9");
        Assert.Equal("requestError", refused.ErrorCode());
    }

    [Fact]
    public async Task Held_NoPolicy_DeskPhoneAnswerCarriesNoExtension()
    {
        var (response, document, _) = await host.Client.PostHeldAsync(HeldClient.EmptyRequest, PolicyHost.HqVoiceIp);
        using (response)
        {
            Assert.Null(document.ErrorCode());
            Assert.Empty(document!.Root!.Elements(Ext + "manualEntry"));
        }
    }
}
