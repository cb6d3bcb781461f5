using LocationServer.Routing;
using LocationServer.Routing.Alerts;

namespace LocationServer.Tests.Routing.Alerts;

public sealed class AlertSeamsTests
{
    [Theory]
    [InlineData("UnknownNetwork", nameof(AlertEvent.UnknownNetwork))]
    [InlineData("unknown-network", nameof(AlertEvent.UnknownNetwork))]
    [InlineData("location-changed", nameof(AlertEvent.LocationChanged))]
    [InlineData("relaycentercall", nameof(AlertEvent.RelayCenterCall))]
    [InlineData(" Relay-Center-Call ", nameof(AlertEvent.RelayCenterCall))]
    [InlineData("EmergencyCall", nameof(AlertEvent.EmergencyCall))]
    public void AlertEventNames_KnownName_Parses(string name, string expected)
    {
        Assert.True(AlertEventNames.TryParse(name, out var parsed));
        Assert.Equal(expected, parsed.ToString());
    }

    [Theory]
    [InlineData("3")]
    [InlineData("0")]
    [InlineData("UnknownNetworks")]
    [InlineData("")]
    [InlineData(null)]
    public void AlertEventNames_UnknownOrNumericName_Rejected(string? name) =>
        Assert.False(AlertEventNames.TryParse(name, out _));

    [Fact]
    public void AlertEventNames_Wire_IsKebabCase() =>
        Assert.Equal("emergency-call, test-call, relay-center-call, unknown-network, location-changed", AlertEventNames.All);

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(60, true)]
    [InlineData(10_080, true)]
    [InlineData(10_081, false)]
    public void AlertOptions_UnknownNetworkInterval_ValidatedInRange(int minutes, bool valid) =>
        Assert.Equal(valid, new AlertOptions { UnknownNetworkIntervalMinutes = minutes }.Validate());

    [Fact]
    public void AlertOptions_Defaults_UnknownNetworkIntervalIsAnHour()
    {
        var options = new AlertOptions();
        Assert.Equal(60, options.UnknownNetworkIntervalMinutes);
        Assert.True(options.Validate());
    }
}
