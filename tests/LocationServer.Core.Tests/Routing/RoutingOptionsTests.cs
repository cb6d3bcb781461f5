using LocationServer.Core.Routing;

namespace LocationServer.Core.Tests.Routing;

public sealed class RoutingOptionsTests
{
    private static RoutingOptions Valid() => new()
    {
        RelayCenter = new RouteTarget { Uri = "sip:ecrc@relay.example", Name = "Relay" },
        TestService = new RouteTarget { Uri = "sips:933@test.example", Name = "933" },
    };

    [Fact]
    public void Validate_Configured_NoErrors()
    {
        var options = Valid();
        Assert.Empty(options.Validate());
        Assert.Equal(TimeSpan.FromMinutes(60), options.CallbackWindow);
        Assert.Equal(8081, options.GrpcPort);
        Assert.Equal("127.0.0.1", options.GrpcAddress);
    }

    [Fact]
    public void Validate_Defaults_RequireRelayAndTestUris()
    {
        var errors = new RoutingOptions().Validate().ToList();
        Assert.Contains(errors, e => e.Contains("RelayCenter", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("TestService", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1441)]
    public void Validate_CallbackWindowOutOfRange_Error(int minutes)
    {
        var options = Valid();
        options.CallbackWindowMinutes = minutes;
        Assert.Contains(options.Validate(), e => e.Contains("CallbackWindowMinutes", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BadListener_Errors()
    {
        var options = Valid();
        options.GrpcPort = 70000;
        options.GrpcAddress = "localhost";
        Assert.Equal(2, options.Validate().Count());
    }
}
