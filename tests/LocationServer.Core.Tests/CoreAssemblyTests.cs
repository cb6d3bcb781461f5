using LocationServer.Core.Matching;

namespace LocationServer.Core.Tests;

/// <summary>STYLE.md: the domain and matching assembly stays free of web, database and cache dependencies.</summary>
public class CoreAssemblyTests
{
    [Theory]
    [InlineData("Microsoft.AspNetCore")]
    [InlineData("Microsoft.EntityFrameworkCore")]
    [InlineData("StackExchange.Redis")]
    [InlineData("Npgsql")]
    public void References_CoreAssembly_HasNoInfrastructureDependency(string forbidden)
    {
        var references = typeof(WiremapIndex).Assembly.GetReferencedAssemblies();

        Assert.DoesNotContain(references, r => r.Name!.StartsWith(forbidden, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(references, r => r.Name == "System.Runtime");
    }
}
