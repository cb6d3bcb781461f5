using System.Net;
using System.Security.Cryptography;
using LocationServer.Core.Matching;
using LocationServer.Locating.Tokens;

namespace LocationServer.Tests.Held;

/// <summary>A location URI reserved to a reference-only requester carries that requester, sealed with the rest.</summary>
public sealed class LocationTokenRequesterTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly LocationTokenCodec Codec = new([RandomNumberGenerator.GetBytes(32)]);

    private static LocationToken Token(string? requester, bool testCall) =>
        new("demo", "mac:00-0b-82-01-02-03", Now, Now.AddHours(1), new Evidence { SourceAddress = IPAddress.Parse("10.1.3.44") }, testCall, requester);

    [Theory]
    [InlineData("esrp", false)]
    [InlineData("esrp", true)]
    [InlineData(null, true)]
    [InlineData(null, false)]
    public void SealThenOpen_Requester_RoundTripsBesideTheTestCallFlag(string? requester, bool testCall)
    {
        var sealedToken = Codec.Seal(Token(requester, testCall));
        Assert.Equal(TokenFailure.None, Codec.TryOpen(sealedToken, "demo", Now, out var opened));
        Assert.Equal(requester, opened!.Requester);
        Assert.Equal(testCall, opened.TestCall);
        Assert.Equal("10.1.3.44", opened.Evidence.SourceAddress?.ToString());
    }

    [Theory]
    [InlineData("forged-token-AAAAAAAAAAAAAAAA")]
    [InlineData("A")]
    [InlineData("AAAA AAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Open_MalformedOrForged_IsInvalid(string token) =>
        Assert.Equal(TokenFailure.Invalid, Codec.TryOpen(token, "demo", Now, out _));

    [Fact]
    public void Seal_SameToken_IsDifferentEveryTime()
    {
        var first = Codec.Seal(Token(null, false));
        Assert.NotEqual(first, Codec.Seal(Token(null, false)));
        Assert.Equal(TokenFailure.Expired, Codec.TryOpen(first, "demo", Now.AddHours(1), out _));
    }
}
