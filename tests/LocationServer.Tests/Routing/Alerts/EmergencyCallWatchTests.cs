using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Redis;
using LocationServer.Routing;
using LocationServer.Routing.Alerts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LocationServer.Tests.Routing.Alerts;

/// <summary>
/// The in-memory index of open emergency-call windows: one alert per change of place while the window is open,
/// none for the same place, none after the window, none for a change another node already alerted, and nothing
/// allocated on the HELD path for devices without a window.
/// </summary>
public sealed class EmergencyCallWatchTests
{
    private const string Tenant = "acme";
    private const string Phone = "ip:10.1.3.44";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 14, 0, 0, TimeSpan.Zero));
    private readonly Sink _alerts = new();
    private readonly EmergencyCallWatch _watch;

    public EmergencyCallWatchTests()
    {
        _watch = new EmergencyCallWatch(new InProcessCallWatchBus(), _alerts, new WiremapIndexHolder(), _time, NullLogger<EmergencyCallWatch>.Instance);
    }

    private static ResolvedLocation Place(string id, string display) => new()
    {
        Id = id,
        TenantId = Tenant,
        SiteId = "hq",
        Civic = new CivicAddress { Country = "US" },
        Display = display,
    };

    private static readonly ResolvedLocation West = Place("hq-3-west", "100 Congress Ave, Floor 3");
    private static readonly ResolvedLocation Annex = Place("annex-2", "200 Colorado St, Floor 2, Unit 200");

    private CallWatchMessage Window(string callRecordId = "call-1", int moves = 0, string? locationId = "hq-3-west", string? address = "100 Congress Ave, Floor 3") =>
        new(Tenant, callRecordId, [Phone], _time.GetUtcNow(), _time.GetUtcNow().AddMinutes(60), "+15125550100", "alice", null, null, null, null, locationId, address, moves);

    [Fact]
    public async Task Observe_DeviceElsewhereAndPolledAgainFromThere_OneAlertNamingBothPlaces()
    {
        _watch.Open(Window());

        _watch.Observe(Tenant, Phone, Annex, MatchRule.Chassis);
        _watch.Observe(Tenant, Phone, Annex, MatchRule.Chassis);
        _watch.Observe(Tenant, Phone, Annex, MatchRule.Chassis);

        var alert = Assert.Single(await _alerts.WaitAsync(1));
        Assert.Equal(AlertEvent.LocationChanged, alert.Event);
        Assert.Equal("call-1", alert.CallRecordId);
        Assert.Equal("hq-3-west", alert.PreviousLocationId);
        Assert.Equal(West.Display, alert.PreviousAddress);
        Assert.Equal("annex-2", alert.LocationId);
        Assert.Equal(Annex.Display, alert.Address);
        Assert.Equal(LocationChangeCause.Held, alert.Cause);
        Assert.Equal("alice", alert.CallerName);
        Assert.Equal(Phone, alert.DeviceKey);
        Assert.Equal(_time.GetUtcNow(), alert.At);
        await Task.Delay(200);
        Assert.Single(_alerts.Alerts);
    }

    [Fact]
    public async Task Observe_BackToTheFirstPlace_SecondAlert()
    {
        _watch.Open(Window());
        _watch.Observe(Tenant, Phone, Annex, MatchRule.Chassis);
        await _alerts.WaitAsync(1);

        _watch.Observe(Tenant, Phone, West, MatchRule.Subnet);

        var alerts = await _alerts.WaitAsync(2);
        Assert.Equal("annex-2", alerts[1].PreviousLocationId);
        Assert.Equal("hq-3-west", alerts[1].LocationId);
    }

    [Fact]
    public async Task Observe_SamePlace_NoAlert()
    {
        _watch.Open(Window());

        for (var i = 0; i < 5; i++) _watch.Observe(Tenant, Phone, West, MatchRule.Subnet);

        await Task.Delay(200);
        Assert.Empty(_alerts.Alerts);
    }

    [Fact]
    public async Task Observe_UserEnteredAddressChangedOnSameNetwork_AlertsAsUserEntered()
    {
        _watch.Open(Window(locationId: "nomadic:gw:f0-9f-c2-00-00-01", address: "1 Home Rd, Austin"));

        _watch.Observe(Tenant, Phone, Place("nomadic:gw:f0-9f-c2-00-00-01", "9 Other St, Austin"), MatchRule.Nomadic);

        var alert = Assert.Single(await _alerts.WaitAsync(1));
        Assert.Equal(LocationChangeCause.UserEntered, alert.Cause);
        Assert.Equal("9 Other St, Austin", alert.Address);
        Assert.Equal("1 Home Rd, Austin", alert.PreviousAddress);
    }

    [Fact]
    public async Task Observe_AfterTheWindowCloses_NoAlert()
    {
        _watch.Open(Window());
        _time.Advance(TimeSpan.FromMinutes(61));

        _watch.Observe(Tenant, Phone, Annex, MatchRule.Chassis);

        await Task.Delay(200);
        Assert.Empty(_alerts.Alerts);
        Assert.Equal(1, _watch.Prune(_time.GetUtcNow()));
        Assert.Equal(0, _watch.Count);
    }

    [Fact]
    public async Task Merge_ChangeAlreadyAlertedByAnotherNode_NoAlertHere()
    {
        _watch.Open(Window());

        // The other node saw the device at the annex first and announced it.
        _watch.Merge(Window(moves: 1, locationId: Annex.Id, address: Annex.Display));
        _watch.Observe(Tenant, Phone, Annex, MatchRule.Chassis);

        await Task.Delay(200);
        Assert.Empty(_alerts.Alerts);
    }

    [Fact]
    public async Task Open_SameCallerCallsAgain_LaterWindowReplacesTheEarlier()
    {
        _watch.Open(Window(callRecordId: "call-1"));
        _time.Advance(TimeSpan.FromMinutes(5));
        _watch.Open(Window(callRecordId: "call-2"));

        _watch.Observe(Tenant, Phone, Annex, MatchRule.Chassis);

        Assert.Equal(1, _watch.Count);
        var alert = Assert.Single(await _alerts.WaitAsync(1));
        Assert.Equal("call-2", alert.CallRecordId);
    }

    [Fact]
    public void Open_ManyCallsOfFewCallers_HoldsOneWindowPerCaller()
    {
        // A flood of 911 calls (a stuck phone, a test gone wrong) must not hold a window per call for an hour.
        for (var i = 0; i < 10_000; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            _watch.Open(Window(callRecordId: "device-" + i) with { DeviceKeys = [i % 2 == 0 ? Phone : "mac:00-04-f2-15-c2-85"] });
            _watch.Open(Window(callRecordId: "did-" + i) with { DeviceKeys = [], Did = "+15125550100" });
            _watch.Open(Window(callRecordId: "uri-" + i) with { DeviceKeys = [], Reference = "https://lis.example.com/loc/abc" });
        }

        Assert.Equal(4, _watch.Count);
    }

    [Fact]
    public void Open_LaterCallTakesOnlySomeKeys_EarlierWindowStays()
    {
        // The phone's address now belongs to another device; the first phone is still known by its MAC.
        _watch.Open(Window(callRecordId: "call-1") with { DeviceKeys = ["mac:00-04-f2-15-c2-85", Phone] });
        _time.Advance(TimeSpan.FromMinutes(1));
        _watch.Open(Window(callRecordId: "call-2") with { DeviceKeys = ["mac:00-04-f2-aa-bb-cc", Phone] });

        Assert.Equal(2, _watch.Count);
    }

    [Fact]
    public void Merge_EarlierCallReadBackAfterALaterOne_NotHeld()
    {
        var earlier = Window(callRecordId: "call-1");
        _time.Advance(TimeSpan.FromMinutes(5));
        var later = Window(callRecordId: "call-2");

        _watch.Merge(later);
        _watch.Merge(earlier);

        Assert.Equal(1, _watch.Count);
    }

    [Fact]
    public void Observe_NoWindowForTheDevice_AllocatesNothing()
    {
        _watch.Observe(Tenant, Phone, Annex, MatchRule.Chassis);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++) _watch.Observe(Tenant, Phone, Annex, MatchRule.Chassis);
        var none = GC.GetAllocatedBytesForCurrentThread() - before;

        _watch.Open(Window(callRecordId: "other-device") with { DeviceKeys = ["mac:00-04-f2-15-c2-85"] });
        _watch.Observe(Tenant, Phone, Annex, MatchRule.Chassis);
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++) _watch.Observe(Tenant, Phone, Annex, MatchRule.Chassis);
        var others = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, none);
        Assert.Equal(0, others);
    }

    private sealed class Sink : IAlertSink
    {
        public List<LocationChangedAlert> Alerts { get; } = [];

        public bool TryEnqueue(AlertMessage alert, string? json = null, bool recorded = false)
        {
            lock (Alerts) Alerts.Add(Assert.IsType<LocationChangedAlert>(alert));
            return true;
        }

        public async Task<List<LocationChangedAlert>> WaitAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                lock (Alerts)
                {
                    if (Alerts.Count >= count) return [.. Alerts];
                }
                await Task.Delay(10);
            }
            Assert.Fail($"{count} alerts expected within 30 s; {Alerts.Count} raised");
            return [];
        }
    }
}
