using LocationServer.Core.Routing;
using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Tests.Routing;

public sealed class ReadBackTests
{
    private static readonly CivicAddress Congress = new()
    {
        Country = "US",
        A1 = "TX",
        A3 = "Austin",
        HNO = "100",
        RD = "Congress",
        STS = "Ave",
        PC = "78701",
        FLR = "3",
    };

    [Fact]
    public void Compose_NanpNumberAndAddress_SpeaksDigitsAndAddress()
    {
        Assert.Equal(
            "Your caller ID is 5 1 2 5 5 5 0 1 0 0. Your address is 100 Congress Ave, Floor 3, Austin, TX 78701.",
            ReadBack.Compose("+15125550100", Congress));
    }

    [Fact]
    public void Compose_NonNanpNumber_KeepsCountryCode()
    {
        Assert.StartsWith("Your caller ID is 4 4 2 0 7 9 4 6 0 0 0 0.", ReadBack.Compose("+442079460000", null), StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_NoAddress_SaysSo()
    {
        Assert.Equal("Your caller ID is 5 1 2 5 5 5 0 1 0 0. No address is on file for this phone.", ReadBack.Compose("5125550100", null));
    }

    [Fact]
    public void Compose_NoCallerId_SaysSo()
    {
        Assert.StartsWith("Your caller ID was not sent.", ReadBack.Compose(null, Congress), StringComparison.Ordinal);
    }

    [Fact]
    public void SpokenAddress_MarkupAndSymbols_AreSpelledOut()
    {
        var address = Congress with { ROOM = "#3 <A&B>", LOC = "Lab.", FLR = null };
        Assert.Equal("100 Congress Ave, Room number 3 A and B, Lab., Austin, TX 78701", ReadBack.SpokenAddress(address));
    }
}
