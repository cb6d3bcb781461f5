using System.Globalization;
using BenchmarkDotNet.Attributes;
using LocationServer.Core.Endpoints;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;

namespace LocationServer.Benchmarks;

/// <summary>
/// The callback number on the routing path (<see cref="CallbackResolver.Resolve"/>) for a tenant of 1k and 100k users
/// (one DID and one device each, a user endpoint for every tenth user, a device endpoint for every hundredth, an
/// endpoint per site and one for the tenant), and the cost of rebuilding that tenant's directory after a change.
/// </summary>
[MemoryDiagnoser]
public class EndpointDirectoryBenchmarks
{
    private const int Distinct = 256;

    private TenantIndex _wiremap = null!;
    private TenantDirectoryData _data = null!;
    private TenantDirectory _directory = null!;
    private ResolvedLocation[] _locations = [];
    private string[] _numbers = [];
    private MacAddress[] _devices = [];

    [Params(1_000, 100_000)]
    public int Users { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var generator = new WiremapGenerator(1_000);
        var index = WiremapIndex.Build([generator.Generate()], 1);
        if (!index.TryGetTenant(generator.TenantId, out _wiremap)) throw new InvalidOperationException("tenant missing");
        var sites = _wiremap.Locations.Where(l => l.IsSiteLevel).Select(l => l.SiteId).ToArray();
        var billing = new CivicAddress { Country = "US", A1 = "TX", A3 = "Austin", RD = "Congress", HNO = "100", PC = "78701" };
        var endpoints = new List<EmergencyEndpoint> { new("tenant", "+15125550000", billing) };
        var assignments = new List<EndpointAssignment> { new(EndpointScope.Tenant, "", "tenant") };
        foreach (var site in sites)
        {
            endpoints.Add(new("site-" + site, "+15125550001", billing));
            assignments.Add(new(EndpointScope.Site, site, "site-" + site));
        }
        var users = new List<DirectoryUser>(Users);
        for (var i = 0; i < Users; i++)
        {
            var did = "+1512" + (2_000_000 + i).ToString(CultureInfo.InvariantCulture);
            var mac = new MacAddress(0x0200_0000_0000UL + (ulong)i).ToString();
            users.Add(new DirectoryUser("u" + i.ToString(CultureInfo.InvariantCulture), "User " + i.ToString(CultureInfo.InvariantCulture), null, sites[i % sites.Length], [did], [mac]));
            if (i % 10 == 0)
            {
                endpoints.Add(new("user-" + i.ToString(CultureInfo.InvariantCulture), did, billing));
                assignments.Add(new(EndpointScope.User, "u" + i.ToString(CultureInfo.InvariantCulture), "user-" + i.ToString(CultureInfo.InvariantCulture)));
            }
            if (i % 100 == 0)
            {
                endpoints.Add(new("device-" + i.ToString(CultureInfo.InvariantCulture), did, billing));
                assignments.Add(new(EndpointScope.Device, mac, "device-" + i.ToString(CultureInfo.InvariantCulture)));
            }
        }
        _data = new TenantDirectoryData(generator.TenantId, 1, endpoints, assignments, users);
        _directory = TenantDirectory.Build(_data);
        var stride = Math.Max(1, Users / Distinct);
        var rooms = _wiremap.Locations.Where(l => !l.IsSiteLevel).ToArray();
        _locations = [.. Enumerable.Range(0, Distinct).Select(i => rooms[i * 7 % rooms.Length])];
        _numbers = [.. Enumerable.Range(0, Distinct).Select(i => users[i * stride % Users].Dids![0])];
        _devices = [.. Enumerable.Range(0, Distinct).Select(i => MacAddress.TryParse(users[(i * stride + 1) % Users].DeviceMacs![0], out var m) ? m : default)];
    }

    private int _next;

    /// <summary>A call with a calling DID and a station MAC at a room of the wiremap: device, user, site or tenant answers.</summary>
    [Benchmark]
    public string? Resolve()
    {
        var i = _next++ & (Distinct - 1);
        return CallbackResolver.Resolve(_wiremap, _directory, _locations[i], null, _numbers[i], _devices[i]).Number;
    }

    /// <summary>Rebuilding the tenant's directory, as every replica does after a change to it.</summary>
    [Benchmark]
    public int Build() => TenantDirectory.Build(_data).UserCount;
}
