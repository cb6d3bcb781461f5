using LocationServer.Core.Routing;

namespace LocationServer.Core.Tests.Routing;

public sealed class ElinAllocatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Elins = ["+15125550900", "+15125550901", "+15125550902"];

    private static ElinAssignment Held(string elin, string caller, int minutesAgo, int windowMinutes = 60) =>
        new("acme", "hq-2", elin, caller, Now.AddMinutes(-minutesAgo), Now.AddMinutes(windowMinutes - minutesAgo));

    [Fact]
    public void Choose_NoElins_ReturnsNull()
    {
        Assert.Null(ElinAllocator.Choose([], [], "+15125550100", Now));
    }

    [Fact]
    public void Choose_NoAssignments_FirstElinIsFree()
    {
        Assert.Equal(new ElinChoice("+15125550900", ElinChoiceReason.Free), ElinAllocator.Choose(Elins, [], "+15125550100", Now));
    }

    [Fact]
    public void Choose_FirstTakenByOtherCaller_NextFreeElin()
    {
        var choice = ElinAllocator.Choose(Elins, [Held("+15125550900", "+15125550111", 5)], "+15125550100", Now);
        Assert.Equal(new ElinChoice("+15125550901", ElinChoiceReason.Free), choice);
    }

    [Fact]
    public void Choose_SameCallerHoldsElin_ReusesIt()
    {
        var active = new[] { Held("+15125550900", "+15125550111", 5), Held("+15125550902", "+15125550100", 3) };
        Assert.Equal(new ElinChoice("+15125550902", ElinChoiceReason.SameCaller), ElinAllocator.Choose(Elins, active, "tel:+1-512-555-0100", Now));
    }

    [Fact]
    public void Choose_CallerSpelledDifferently_StillRecognised()
    {
        var active = new[] { Held("5125550901", "15125550100", 3) };
        Assert.Equal(new ElinChoice("+15125550901", ElinChoiceReason.SameCaller), ElinAllocator.Choose(Elins, active, "+1 (512) 555-0100", Now));
    }

    [Fact]
    public void Choose_AllTaken_ReusesLeastRecentlyAssigned()
    {
        var active = new[]
        {
            Held("+15125550900", "+15125550111", 10),
            Held("+15125550901", "+15125550112", 30),
            Held("+15125550902", "+15125550113", 20),
        };
        Assert.Equal(new ElinChoice("+15125550901", ElinChoiceReason.LeastRecentlyAssigned), ElinAllocator.Choose(Elins, active, "+15125550100", Now));
    }

    [Fact]
    public void Choose_ExpiredAssignment_CountsAsFree()
    {
        var active = new[] { Held("+15125550900", "+15125550111", 90) };
        Assert.Equal(new ElinChoice("+15125550900", ElinChoiceReason.Free), ElinAllocator.Choose(Elins, active, "+15125550100", Now));
    }

    [Fact]
    public void Choose_ExpiredOwnAssignment_NotReusedAsSameCaller()
    {
        var active = new[] { Held("+15125550901", "+15125550100", 61), Held("+15125550900", "+15125550111", 1) };
        Assert.Equal(new ElinChoice("+15125550901", ElinChoiceReason.Free), ElinAllocator.Choose(Elins, active, "+15125550100", Now));
    }

    [Fact]
    public void Choose_ElinReassignedToAnother_LatestAssignmentCounts()
    {
        // The caller once held 900, but 900 was since given to someone else: the caller no longer owns it.
        var active = new[] { Held("+15125550900", "+15125550100", 40), Held("+15125550900", "+15125550111", 10) };
        Assert.Equal(new ElinChoice("+15125550901", ElinChoiceReason.Free), ElinAllocator.Choose(Elins, active, "+15125550100", Now));
    }

    [Fact]
    public void Choose_AssignmentOfUnlistedElin_Ignored()
    {
        var active = new[] { Held("+15125559999", "+15125550100", 1) };
        Assert.Equal(new ElinChoice("+15125550900", ElinChoiceReason.Free), ElinAllocator.Choose(Elins, active, "+15125550100", Now));
    }

    [Fact]
    public void Choose_UnknownCaller_GetsFreeElin()
    {
        var active = new[] { Held("+15125550900", "+15125550111", 1) };
        Assert.Equal(new ElinChoice("+15125550901", ElinChoiceReason.Free), ElinAllocator.Choose(Elins, active, null, Now));
    }

    [Fact]
    public void Choose_SingleElinHeldByOther_SharedLeastRecently()
    {
        var active = new[] { Held("+15125550900", "+15125550111", 1) };
        Assert.Equal(new ElinChoice("+15125550900", ElinChoiceReason.LeastRecentlyAssigned), ElinAllocator.Choose(["+15125550900"], active, "+15125550100", Now));
    }

    [Fact]
    public void Choose_ConcurrentCallers_KeepDistinctElinsUntilExhausted()
    {
        var active = new List<ElinAssignment>();
        var chosen = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var caller = $"+1512555020{i}";
            var choice = ElinAllocator.Choose(Elins, active, caller, Now.AddSeconds(i))!.Value;
            chosen.Add(choice.Elin);
            active.Add(new ElinAssignment("acme", "hq-2", choice.Elin, caller, Now.AddSeconds(i), Now.AddSeconds(i).AddHours(1)));
        }
        Assert.Equal(Elins, chosen);
        var fourth = ElinAllocator.Choose(Elins, active, "+15125550209", Now.AddSeconds(10));
        Assert.Equal(new ElinChoice("+15125550900", ElinChoiceReason.LeastRecentlyAssigned), fourth);
    }
}
