using LocationServer.Core.Gis;
using LocationServer.Core.Wiremap;
using LocationServer.Locating.Gis;

namespace LocationServer.Tests.Gis;

/// <summary>Shared Maple Falls data set, loaded once from a GeoPackage written by <see cref="GisFixtures"/>.</summary>
public sealed class TownData : IDisposable
{
    public TownData()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("town-");
        Path = System.IO.Path.Combine(Directory.FullName, "maple-falls.gpkg");
        PointsWritten = GisFixtures.WriteTown(Path);
        var builder = new GisIndexBuilder();
        Report = GisFileReader.Read(Path, GisFormat.GeoPackage, builder);
        Index = builder.Build(new GisVersion(1, "maple-falls.gpkg", DateTimeOffset.UnixEpoch));
    }

    public DirectoryInfo Directory { get; }
    public string Path { get; }
    public int PointsWritten { get; }
    internal GisLoadReport Report { get; }
    public GisIndex Index { get; }

    public void Dispose() => Directory.Delete(recursive: true);
}

public sealed class GisIndexTests(TownData town) : IClassFixture<TownData>
{
    private static CivicAddress Address(string hno, string rd, string? sts, string a3 = "Maple Falls", string? pc = null, string a1 = "IL", string? prd = null) =>
        new() { Country = "US", A1 = a1, A3 = a3, HNO = hno, RD = rd, STS = sts, PC = pc, PRD = prd };

    [Fact]
    public void GeoPackageLoad_TownWithFaults_ReportsEachFaultByIdAndLoadsTheRest()
    {
        var problems = town.Report.Problems;
        Assert.Contains(problems, p => p.Skipped && p.FeatureId!.Contains("ssap-bad-street", StringComparison.Ordinal) && p.Message.Contains("empty street name", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Skipped && p.FeatureId!.Contains("rcl-bad-geometry", StringComparison.Ordinal) && p.Message.Contains("bad geometry", StringComparison.Ordinal));
        Assert.Contains(problems, p => !p.Skipped && p.FeatureId!.Contains("rcl-reversed", StringComparison.Ordinal) && p.Message.Contains("reversed", StringComparison.Ordinal));
        Assert.Equal(town.PointsWritten, town.Report.Loaded["SiteStructureAddressPoint"]);
        Assert.Equal(town.PointsWritten, town.Index.AddressPointCount);
        Assert.Equal(2, town.Report.Loaded["PsapPolygon"]);
    }

    [Fact]
    public void Validate_AddressPoint_IsValidAtThePoint()
    {
        var check = town.Index.Validate(Address("103", "Main", "Street", pc: "61001"));
        Assert.Equal(AddressValidity.Valid, check.Validity);
        Assert.Equal(GeocodeSource.AddressPoint, check.Source);
        Assert.Equal(CivicElements.Country | CivicElements.A1 | CivicElements.A3 | CivicElements.RD | CivicElements.STS | CivicElements.HNO | CivicElements.PC, check.Valid);
        Assert.True(check.Point!.Value.Latitude > 40.0);
    }

    [Theory]
    [InlineData("N.", "Main", "Street", null)]
    [InlineData("North", "Main", "St", null)]
    [InlineData(null, "North Main", "St.", null)]
    public void StreetKey_Publication28Spellings_Agree(string? prd, string rd, string sts, string? pod) =>
        Assert.Equal("N MAIN ST", StreetNames.StreetKey(prd, null, rd, sts, pod));

    [Fact]
    public void Validate_NumberOnlyOnTheRange_IsInterpolatedOnItsSideOfTheRoad()
    {
        // Main St runs west to east at latitude 40.000: odd numbers on the left (north), even on the right (south).
        var odd = town.Index.Validate(Address("151", "Main", "St"));
        var even = town.Index.Validate(Address("150", "Main", "St"));
        Assert.Equal(GeocodeSource.Interpolated, odd.Source);
        Assert.Equal(GeocodeSource.Interpolated, even.Source);
        Assert.True(odd.Point!.Value.Latitude > 40.0, $"odd side north: {odd.Point}");
        Assert.True(even.Point!.Value.Latitude < 40.0, $"even side south: {even.Point}");
        // Halfway along the block: 151 is (151-101)/98 of the way from -89.010 to -89.007.
        Assert.InRange(odd.Point!.Value.Longitude, -89.0086, -89.0084);
        var offsetMetres = (odd.Point!.Value.Latitude - 40.0) * 111_320;
        Assert.InRange(offsetMetres, 9.5, 10.5);
    }

    [Fact]
    public void Validate_JeffersonStreetSides_LandInThePsapOfTheirSideOfTheCountyLine()
    {
        var west = town.Index.Validate(Address("1051", "Jefferson", "St"));
        var east = town.Index.Validate(Address("1052", "Jefferson", "St"));
        Assert.Equal(GisFixtures.WestPsapUri, town.Index.FindArea(ServiceAreaKind.Psap, west.Point!.Value)!.Uri);
        Assert.Equal(GisFixtures.EastPsapUri, town.Index.FindArea(ServiceAreaKind.Psap, east.Point!.Value)!.Uri);
    }

    [Fact]
    public void Validate_ImaginaryAddress_IsInvalidNamingTheCommunity()
    {
        var check = town.Index.Validate(Address("99999", "Imaginary", "Rd", a3: "Nowhereville", pc: "00000"));
        Assert.Equal(AddressValidity.Invalid, check.Validity);
        Assert.Equal(CivicElements.A3, check.Invalid);
        Assert.Contains("Nowhereville", check.Message, StringComparison.Ordinal);
        Assert.Null(check.Point);
    }

    [Fact]
    public void Validate_MisspelledStreet_IsInvalidWithASuggestion()
    {
        var check = town.Index.Validate(Address("103", "Mian", "St"));
        Assert.Equal(AddressValidity.Invalid, check.Validity);
        Assert.Equal(CivicElements.RD, check.Invalid);
        Assert.Equal("Main Street", check.Suggestion);
    }

    [Fact]
    public void Validate_WrongStreetType_NamesTheTypeAndSuggestsTheStreet()
    {
        var check = town.Index.Validate(Address("103", "Main", "Ave"));
        Assert.Equal(AddressValidity.Invalid, check.Validity);
        Assert.Equal(CivicElements.STS, check.Invalid);
        Assert.Equal("Main Street", check.Suggestion);
        Assert.True((check.Valid & CivicElements.RD) != 0);
    }

    [Fact]
    public void Validate_NumberOutsideEveryRange_IsInvalidHouseNumber()
    {
        var check = town.Index.Validate(Address("9999", "Main", "St"));
        Assert.Equal(AddressValidity.Invalid, check.Validity);
        Assert.Equal(CivicElements.HNO, check.Invalid);
        Assert.Contains("100 to 599", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WrongPostalCode_IsInvalidPostalCodeWithTheRightOne()
    {
        var check = town.Index.Validate(Address("103", "Main", "St", pc: "61002"));
        Assert.Equal(AddressValidity.Invalid, check.Validity);
        Assert.Equal(CivicElements.PC, check.Invalid);
        Assert.Equal("61001", check.Suggestion);
    }

    [Fact]
    public void Validate_SameStreetInAnotherCommunity_MatchesThatCommunitysNumbers()
    {
        Assert.Equal(AddressValidity.Valid, town.Index.Validate(Address("7", "Main", "St", a3: "Riverton")).Validity);
        Assert.Equal(AddressValidity.Invalid, town.Index.Validate(Address("7", "Main", "St")).Validity);
    }

    [Fact]
    public void Validate_StateTheDataDoesNotCover_IsUnchecked()
    {
        var check = town.Index.Validate(Address("100", "Congress", "Ave", a3: "Austin", a1: "TX"));
        Assert.Equal(AddressValidity.Unchecked, check.Validity);
        Assert.Equal(CivicElements.None, check.Valid | check.Invalid);
    }

    [Fact]
    public void FindAreaByName_Community_GivesAPointInsideItsPsap()
    {
        var area = town.Index.FindAreaByName(ServiceAreaKind.A3, "IL", "riverton");
        Assert.NotNull(area);
        var psap = town.Index.FindArea(ServiceAreaKind.Psap, GisIndex.InteriorPoint(area));
        Assert.Equal(GisFixtures.EastPsapName, psap!.Name);
    }

    [Fact]
    public void MsagCsv_Ranges_ValidateWithoutAPointAndReportBadLines()
    {
        var path = System.IO.Path.Combine(town.Directory.FullName, "msag.csv");
        File.WriteAllText(path, "Community,Street,Low,High,OddEven,ESN,State\nOld Town,Hill Rd,1,99,O,101,IL\nOld Town,,1,99,B,101,IL\nOld Town,Creek Rd,90,10,B,101,IL\n");
        var builder = new GisIndexBuilder();
        var report = GisFileReader.Read(path, GisFormat.MsagCsv, builder);
        var index = builder.Build(new GisVersion(2, "msag.csv", DateTimeOffset.UnixEpoch));
        Assert.Equal(1, report.Loaded["MSAG"]);
        Assert.Equal(["line 3", "line 4"], report.Problems.Select(p => p.FeatureId));
        var valid = index.Validate(new CivicAddress { A1 = "IL", A3 = "Old Town", HNO = "15", RD = "Hill", STS = "Road" });
        Assert.Equal(AddressValidity.Valid, valid.Validity);
        Assert.Null(valid.Point);
        Assert.Equal(AddressValidity.Invalid, index.Validate(new CivicAddress { A1 = "IL", A3 = "Old Town", HNO = "16", RD = "Hill Rd" }).Validity);
    }
}
