namespace LocationServer.Tests.Infrastructure;

/// <summary>Waits for a condition by polling it, with a generous deadline: never a time limit on what is measured.</summary>
internal static class Poll
{
    /// <summary>Calls <paramref name="probe"/> until its value satisfies <paramref name="condition"/>; fails with the last value after <paramref name="within"/>.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan within, string? what = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var value = await probe();
            if (condition(value)) return value;
            Assert.True(DateTime.UtcNow < deadline, $"Within {within.TotalSeconds} s {what ?? "the condition"} never held; last: {value}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan within, string what) =>
        UntilAsync(() => Task.FromResult(condition()), ok => ok, within, what);
}
