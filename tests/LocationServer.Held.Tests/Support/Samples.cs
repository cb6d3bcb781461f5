using LocationServer.Core.Wiremap;
using LocationServer.Held.Pidf;

namespace LocationServer.Held.Tests.Support;

internal static class Samples
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 15, 4, 5, 123, TimeSpan.FromHours(-6));

    public static CivicAddress Civic => new()
    {
        Country = "US",
        A1 = "TX",
        A3 = "Austin",
        RD = "Congress",
        STS = "Ave",
        HNO = "100",
        FLR = "3",
        ROOM = "301",
        PC = "78701",
        NAM = "Example Corp",
    };

    public static PidfLocation Location(CivicAddress? civic = null, GeoPoint? point = null, double? radius = null, string id = "lis1") => new()
    {
        TupleId = id,
        Civic = civic,
        Point = point,
        UncertaintyRadiusMeters = radius,
        Method = "Wiremap",
        Timestamp = Now,
        RetentionExpiry = Now.AddDays(1),
        Source = "lis",
    };

    public static PidfLo Pidf(params PidfLocation[] locations) => new("pres:3f9a0c1e@lis.example", locations);
}
