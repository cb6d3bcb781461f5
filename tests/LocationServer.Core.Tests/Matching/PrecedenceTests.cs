using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using static LocationServer.Core.Tests.Matching.TestWiremaps;

namespace LocationServer.Core.Tests.Matching;

/// <summary>
/// DOMAIN.md precedence: for every pair of rules, evidence that matches both must be answered by the more
/// specific rule, reporting the right rule, evidence field and element.
/// </summary>
public class PrecedenceTests
{
    private sealed class EvidenceParts
    {
        public MacAddress? ServingBssid { get; set; }
        public List<LldpNeighbour> Lldp { get; } = [];
        public MacAddress? DeviceMac { get; set; }
        public IPAddress? SourceAddress { get; set; }
        public MacAddress? GatewayMac { get; set; }

        public Evidence ToEvidence() => new()
        {
            ServingBssid = ServingBssid,
            Lldp = Lldp,
            DeviceMac = DeviceMac,
            SourceAddress = SourceAddress,
            GatewayMac = GatewayMac,
        };
    }

    private sealed record RuleCase(MatchRule Rule, EvidenceField Field, NetworkElement Element, string LocationId, Action<EvidenceParts> Contribute);

    private static readonly LldpNeighbour SwitchPort = Lldp(4, "00AABBCCDDEE", 5, Hex("Gi1/0/7"));

    private static RuleCase For(MatchRule rule) => rule switch
    {
        MatchRule.Bssid => new(rule, EvidenceField.ServingBssid, At(ElementKind.Bssid, "00:11:22:33:44:55", "loc-bssid"), "loc-bssid",
            e => e.ServingBssid = Mac("00:11:22:33:44:55")),
        MatchRule.BssidPrefix => new(rule, EvidenceField.ServingBssid, At(ElementKind.BssidPrefix, "00:11:22:33:44:5*", "loc-bssid-prefix"), "loc-bssid-prefix",
            e => e.ServingBssid = Mac("00:11:22:33:44:55")),
        MatchRule.ChassisPort => new(rule, EvidenceField.Lldp, At(ElementKind.ChassisPort, "00:aa:bb:cc:dd:ee|Gi1/0/7", "loc-port"), "loc-port",
            e => { if (e.Lldp.Count == 0) e.Lldp.Add(SwitchPort); }),
        MatchRule.Chassis => new(rule, EvidenceField.Lldp, At(ElementKind.Chassis, "00-AA-BB-CC-DD-EE", "loc-switch"), "loc-switch",
            e => { if (e.Lldp.Count == 0) e.Lldp.Add(SwitchPort); }),
        MatchRule.DeviceMac => new(rule, EvidenceField.DeviceMac, At(ElementKind.DeviceMac, "0004.f215.c285", "loc-pinned"), "loc-pinned",
            e => e.DeviceMac = Mac("00:04:f2:15:c2:85")),
        MatchRule.Subnet => new(rule, EvidenceField.SourceAddress, At(ElementKind.Subnet, "198.51.100.0/26", "loc-subnet"), "loc-subnet",
            e => e.SourceAddress = Ip("198.51.100.10")),
        MatchRule.GatewayMac => new(rule, EvidenceField.GatewayMac, AtSite(ElementKind.GatewayMac, "00DEADBEEF01", "branch"), "branch",
            e => e.GatewayMac = Mac("00:de:ad:be:ef:01")),
        MatchRule.PublicIp => new(rule, EvidenceField.SourceAddress, AtSite(ElementKind.PublicIp, "198.51.100.0/24", "hq"), "hq",
            e => e.SourceAddress = Ip("198.51.100.10")),
        _ => throw new ArgumentOutOfRangeException(nameof(rule)),
    };

    private static readonly MatchRule[] IndexRules =
    [
        MatchRule.Bssid, MatchRule.BssidPrefix, MatchRule.ChassisPort, MatchRule.Chassis,
        MatchRule.DeviceMac, MatchRule.Subnet, MatchRule.GatewayMac, MatchRule.PublicIp,
    ];

    public static TheoryData<MatchRule, MatchRule> Pairs()
    {
        var data = new TheoryData<MatchRule, MatchRule>();
        for (var i = 0; i < IndexRules.Length; i++)
            for (var j = i + 1; j < IndexRules.Length; j++)
                data.Add(IndexRules[i], IndexRules[j]);
        return data;
    }

    public static TheoryData<MatchRule> Rules() => [.. IndexRules];

    private static DispatchableLocation[] AllLocations =>
        Locations("hq", "loc-bssid", "loc-bssid-prefix", "loc-port", "loc-switch", "loc-pinned", "loc-subnet");

    [Theory]
    [MemberData(nameof(Rules))]
    public void Match_OnlyOneRuleMatches_ReportsThatRule(MatchRule rule)
    {
        var only = For(rule);
        var parts = new EvidenceParts();
        only.Contribute(parts);

        var result = Index([only.Element], AllLocations).Match(parts.ToEvidence());

        Assert.True(result.Found);
        Assert.Equal(rule, result.Rule);
        Assert.Equal(only.Field, result.Evidence);
        Assert.Same(only.Element, result.Element);
        Assert.Equal(only.LocationId, result.Location!.Id);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Match_EvidenceMatchesTwoRules_MoreSpecificRuleWins(MatchRule higher, MatchRule lower)
    {
        var winner = For(higher);
        var loser = For(lower);
        var parts = new EvidenceParts();
        winner.Contribute(parts);
        loser.Contribute(parts);

        // Element order must not matter: put the loser first.
        var result = Index([loser.Element, winner.Element], AllLocations).Match(parts.ToEvidence());

        Assert.True(result.Found);
        Assert.Equal(higher, result.Rule);
        Assert.Equal(winner.Field, result.Evidence);
        Assert.Same(winner.Element, result.Element);
        Assert.Equal(winner.LocationId, result.Location!.Id);
        Assert.False(result.OffPremises);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Match_HigherRuleElementAbsent_LowerRuleAnswers(MatchRule higher, MatchRule lower)
    {
        var absent = For(higher);
        var present = For(lower);
        var parts = new EvidenceParts();
        absent.Contribute(parts);
        present.Contribute(parts);

        var result = Index([present.Element], AllLocations).Match(parts.ToEvidence());

        Assert.Equal(lower, result.Rule);
        Assert.Same(present.Element, result.Element);
        Assert.Equal(present.LocationId, result.Location!.Id);
    }

    [Fact]
    public void Match_NothingMatches_ReturnsNoMatch()
    {
        var elements = IndexRules.Select(r => For(r).Element).ToArray();
        var evidence = new Evidence
        {
            ServingBssid = Mac("66:66:66:66:66:66"),
            Lldp = [Lldp(4, "010203040506", 5, Hex("Gi9/9/9"))],
            DeviceMac = Mac("77:77:77:77:77:77"),
            SourceAddress = Ip("192.0.2.1"),
            GatewayMac = Mac("88:88:88:88:88:88"),
        };

        var result = Index(elements, AllLocations).Match(evidence);

        Assert.Equal(MatchRule.None, result.Rule);
        Assert.Equal(EvidenceField.None, result.Evidence);
        Assert.Null(result.Element);
        Assert.False(result.Found);
    }
}
