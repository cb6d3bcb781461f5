using LocationServer.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace LocationServer.Tests.Proxies;

/// <summary>RFC 7239 <c>Forwarded</c> into the <c>X-Forwarded-*</c> lists, and the <c>Network</c> settings' validation.</summary>
public sealed class ForwardedHeaderParserTests
{
    private static TranslatedForwarding? Translate(params string[] fields) =>
        ForwardedHeaderParser.TryTranslate(new StringValues(fields), "http", "10.0.0.5:8080", out var translated) ? translated : null;

    [Fact]
    public void TryTranslate_Rfc7239Section4Example_ForProtoHost()
    {
        var translated = Translate("for=192.0.2.60;proto=https;by=203.0.113.43;host=lis.example.com");
        Assert.Equal(new TranslatedForwarding("192.0.2.60", "https", "lis.example.com"), translated);
    }

    [Fact]
    public void TryTranslate_SeveralElementsAndFields_OneEntryPerHopInOrder()
    {
        var translated = Translate("for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\"", "for=\"198.51.100.17:1234\";proto=https");
        Assert.NotNull(translated);
        Assert.Equal("192.0.2.43, [2001:db8:cafe::17]:4711, 198.51.100.17:1234", translated.For);
        // Hops without proto keep what the hop to their right reported.
        Assert.Equal("https, https, https", translated.Proto);
        Assert.Null(translated.Host);
    }

    [Fact]
    public void TryTranslate_RightMostWithoutProto_KeepsTheRequestScheme()
    {
        Assert.Equal("https, http", Translate("for=192.0.2.1;proto=https, for=192.0.2.2")!.Proto);
    }

    [Theory]
    [InlineData("for=unknown")]
    [InlineData("for=_hidden")]
    [InlineData("for=\"_SEVKISEK\"")]
    [InlineData("proto=https")]
    public void TryTranslate_UnknownObfuscatedOrMissingNode_Unknown(string field) =>
        Assert.Equal("unknown", Translate(field)!.For);

    [Theory]
    [InlineData("for=\"192.0.2.1\\\"x\"")]
    [InlineData("For=192.0.2.1;PROTO=https")]
    [InlineData("for=192.0.2.1;;proto=https")]
    [InlineData(" for=192.0.2.1 ; proto=https ,")]
    public void TryTranslate_GrammarVariants_Accepted(string field) => Assert.NotNull(Translate(field));

    [Theory]
    [InlineData("for=192.0.2.1;for=192.0.2.2")]
    [InlineData("for")]
    [InlineData("for=")]
    [InlineData("for=\"192.0.2.1")]
    [InlineData("for=192.0.2.1 proto=https")]
    [InlineData("for=[2001:db8::1]")]
    [InlineData("=192.0.2.1")]
    [InlineData("")]
    public void TryTranslate_BrokenGrammar_RefusedWhole(string field) => Assert.Null(Translate(field));

    [Fact]
    public void TryTranslate_MoreHopsThanTheCap_Refused()
    {
        var hops = string.Join(", ", Enumerable.Range(0, ForwardedHeaderParser.MaxElements + 1).Select(i => $"for=192.0.2.{i % 250}"));
        Assert.Null(Translate(hops));
    }

    [Theory]
    [InlineData("Network:TrustedProxies:0", "10.0.0.1/8", "Network:TrustedProxies:0 must be an IP address or a CIDR network")]
    [InlineData("Network:TrustedProxies:0", "proxy.example", "Network:TrustedProxies:0 must be an IP address or a CIDR network")]
    [InlineData("Network:ProxyProtocolEndpoints:0", "Http", "Network:ProxyProtocolEndpoints needs Network:TrustedProxies")]
    public void NetworkOptions_InvalidSetting_IsNamed(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [key] = value,
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:8080",
        }).Build();
        var options = new NetworkOptions();
        configuration.GetSection(NetworkOptions.Section).Bind(options);
        Assert.Contains(options.Validate(configuration), e => e.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void NetworkOptions_AddressesNetworksAndMappedForms_Accepted()
    {
        var options = new NetworkOptions { TrustedProxies = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/64", "::1", " 172.16.0.0/12 "] };
        Assert.Empty(options.Validate(new ConfigurationBuilder().Build()));
        Assert.Equal(5, options.Networks().Count);
        Assert.Empty(new NetworkOptions().Validate(new ConfigurationBuilder().Build()));
    }

    [Fact]
    public async Task Process_BadNetworkSettings_ExitsNamingEach()
    {
        var (exitCode, output) = await LisProcess.RunToExitAsync(new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Network:TrustedProxies:0"] = "10.0.0.300/8",
            ["Network:ProxyProtocolEndpoints:0"] = "Balanced",
        });
        Assert.Equal(2, exitCode);
        Assert.Contains("Network:TrustedProxies:0 must be an IP address or a CIDR network", output, StringComparison.Ordinal);
        Assert.Contains("Network:ProxyProtocolEndpoints:0 names 'Balanced', which is not a Kestrel endpoint", output, StringComparison.Ordinal);
    }
}
