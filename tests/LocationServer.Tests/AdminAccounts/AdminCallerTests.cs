using LocationServer.Admin;

namespace LocationServer.Tests.AdminAccounts;

/// <summary>The one decision (<see cref="AdminCaller.Allows"/>) over every role and operation class, in the tenant and across tenants.</summary>
public sealed class AdminCallerTests
{
    private static readonly Dictionary<string, AdminCaller> Callers = new()
    {
        ["system"] = AdminCaller.Create(AdminRole.System, null, [], "t")!,
        ["tenantAdmin"] = AdminCaller.Create(AdminRole.TenantAdmin, "demo", [], "t")!,
        ["siteManager"] = AdminCaller.Create(AdminRole.SiteManager, "demo", ["hq"], "t")!,
        ["securityDesk"] = AdminCaller.Create(AdminRole.SecurityDesk, "demo", [], "t")!,
        ["auditor"] = AdminCaller.Create(AdminRole.Auditor, "demo", [], "t")!,
        ["auditorAll"] = AdminCaller.Create(AdminRole.Auditor, null, [], "t")!,
    };

    // Columns: system, tenantAdmin, siteManager, securityDesk, auditor (demo), auditor (all).
    [Theory]
    [InlineData("SystemRead", "demo", null, "YNNNNY")]
    [InlineData("SystemWrite", "demo", null, "YNNNNN")]
    [InlineData("TenantRead", "demo", null, "YYNNYY")]
    [InlineData("TenantRead", "acme", null, "YNNNNY")]
    [InlineData("TenantWrite", "demo", null, "YYNNNN")]
    [InlineData("TenantWrite", "acme", null, "YNNNNN")]
    [InlineData("SiteRead", "demo", "hq", "YYYNYY")]
    [InlineData("SiteRead", "demo", "annex", "YYNNYY")]
    [InlineData("SiteWrite", "demo", "hq", "YYYNNN")]
    [InlineData("SiteWrite", "demo", "annex", "YYNNNN")]
    [InlineData("SiteWrite", "acme", "hq", "YNNNNN")]
    [InlineData("SecurityRead", "demo", null, "YYNYYY")]
    [InlineData("SecurityRead", "acme", null, "YNNNNY")]
    [InlineData("AlertAcknowledge", "demo", null, "YYNYNN")]
    [InlineData("AuditRead", "demo", null, "YYNNYY")]
    [InlineData("AuditRead", "acme", null, "YNNNNY")]
    [InlineData("AnyCaller", null, null, "YYYYYY")]
    public void Allows_RoleAndScope_DecidesEachOperationClass(string operation, string? tenant, string? site, string expected)
    {
        var access = Enum.Parse<AdminAccess>(operation);
        var names = Callers.Keys.ToArray();
        for (var i = 0; i < names.Length; i++)
            Assert.True((expected[i] == 'Y') == Callers[names[i]].Allows(access, tenant, site), $"{names[i]} on {access} {tenant}/{site}: expected {expected[i]}");
    }

    [Fact]
    public void MaySite_SiteManager_OnlyItsSitesOfItsTenant()
    {
        var manager = Callers["siteManager"];
        Assert.True(manager.MaySite("demo", "hq"));
        Assert.False(manager.MaySite("demo", "annex"));
        Assert.False(manager.MaySite("acme", "hq"));
        Assert.False(manager.MaySite("demo", null));
        Assert.True(Callers["tenantAdmin"].MaySite("demo", "annex"));
        Assert.False(Callers["securityDesk"].MaySite("demo", "hq"));
    }

    [Theory]
    [InlineData("System", "demo")]
    [InlineData("TenantAdmin", null)]
    [InlineData("SiteManager", null)]
    [InlineData("SecurityDesk", " ")]
    public void Create_RoleThatDoesNotFitItsScope_IsNoCaller(string role, string? tenant) =>
        Assert.Null(AdminCaller.Create(Enum.Parse<AdminRole>(role), tenant, [], "t"));
}
