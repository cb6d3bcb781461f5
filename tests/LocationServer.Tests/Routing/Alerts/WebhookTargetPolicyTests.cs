using System.Net;
using LocationServer.Routing.Alerts;

namespace LocationServer.Tests.Routing.Alerts;

public sealed class WebhookTargetPolicyTests
{
    [Theory]
    [InlineData("http://127.0.0.1/hook")]
    [InlineData("http://127.8.9.10:8080/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://LOCALHOST./hook")]
    [InlineData("http://desk.localhost/hook")]
    [InlineData("http://2130706433/hook")] // 127.0.0.1 in decimal
    [InlineData("http://0x7f000001/hook")] // in hex
    [InlineData("http://0x7f.1/hook")]
    [InlineData("http://017700000001/hook")] // in octal
    [InlineData("http://169.254.169.254/latest/meta-data/")] // cloud metadata
    [InlineData("http://2852039166/latest/meta-data/")] // the same in decimal
    [InlineData("http://0251.0376.0251.0376/")] // and in octal
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://172.16.0.1/hook")]
    [InlineData("http://172.31.255.255/hook")]
    [InlineData("http://192.168.1.10/hook")]
    [InlineData("http://100.64.0.1/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://224.0.0.1/hook")]
    [InlineData("http://[ff02::1]/hook")]
    [InlineData("http://255.255.255.255/hook")]
    [InlineData("http://0.0.0.0/hook")]
    [InlineData("http://0/hook")]
    [InlineData("http://[::]/hook")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/hook")] // NAT64 spelling of 169.254.169.254
    public void Check_InternalTarget_RefusedNamingTheSetting(string url)
    {
        var error = WebhookTargetPolicy.Check(url, allowPrivate: false);
        Assert.NotNull(error);
        Assert.Contains("Routing:Alerts:AllowPrivateTargets", error, StringComparison.Ordinal);
        Assert.Null(WebhookTargetPolicy.Check(url, allowPrivate: true));
    }

    [Theory]
    [InlineData("https://desk.example/hook")]
    [InlineData("https://203.0.113.10/hook")]
    [InlineData("http://8.8.8.8:8080/hook")]
    [InlineData("https://[2001:db8::10]/hook")]
    [InlineData("https://172.32.0.1/hook")]
    [InlineData("https://desk.example.com./hook")]
    public void Check_PublicTarget_Accepted(string url) => Assert.Null(WebhookTargetPolicy.Check(url, allowPrivate: false));

    [Theory]
    [InlineData("https://user:pass@desk.example/hook")]
    [InlineData("https://token@desk.example/hook")]
    [InlineData("http://admin:admin@127.0.0.1/hook")]
    public void Check_CredentialsInUrl_RefusedEvenWhenInternalAllowed(string url)
    {
        var error = WebhookTargetPolicy.Check(url, allowPrivate: true);
        Assert.NotNull(error);
        Assert.Contains("credentials", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a url")]
    [InlineData("ftp://desk.example/hook")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/relative")]
    public void Check_NotHttpUrl_Refused(string? url) => Assert.NotNull(WebhookTargetPolicy.Check(url, allowPrivate: true));

    [Theory]
    [InlineData("93.184.216.34", true)]
    [InlineData("2606:2800:220:1:248:1893:25c8:1946", true)]
    [InlineData("::ffff:93.184.216.34", true)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("198.18.0.1", false)]
    [InlineData("192.0.0.8", false)]
    [InlineData("240.0.0.1", false)]
    [InlineData("fec0::1", false)]
    public void IsPublic_Address_Classified(string address, bool expected) =>
        Assert.Equal(expected, WebhookTargetPolicy.IsPublic(IPAddress.Parse(address)));
}
