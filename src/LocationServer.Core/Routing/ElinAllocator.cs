using LocationServer.Core.Identifiers;

namespace LocationServer.Core.Routing;

/// <summary>
/// An ELIN standing for a caller: the PSTN ELIN gateway presents <see cref="Elin"/> to the PSAP and routes a
/// callback to it to <see cref="CallerNumber"/> until <see cref="ExpiresAt"/>.
/// </summary>
public sealed record ElinAssignment(
    string Tenant,
    string LocationId,
    string Elin,
    string CallerNumber,
    DateTimeOffset AssignedAt,
    DateTimeOffset ExpiresAt,
    string? CallRecordId = null)
{
    /// <summary>True while the callback window is open at <paramref name="now"/>.</summary>
    public bool IsActive(DateTimeOffset now) => ExpiresAt > now;
}

/// <summary>Why an ELIN was chosen.</summary>
public enum ElinChoiceReason
{
    /// <summary>The caller already held this ELIN inside its window; it is extended.</summary>
    SameCaller,
    /// <summary>No other active caller held this ELIN.</summary>
    Free,
    /// <summary>Every ELIN was taken; the least recently assigned one is reused and its previous caller loses callbacks.</summary>
    LeastRecentlyAssigned,
}

/// <summary>The chosen ELIN and why.</summary>
public readonly record struct ElinChoice(string Elin, ElinChoiceReason Reason);

/// <summary>
/// Chooses the ELIN for an emergency call from a location with several ELINs so that concurrent callers keep
/// distinct callbacks where possible: the caller's own active ELIN first, then a free one (in configured order),
/// then the least recently assigned. Pure: the caller reads and writes the assignments.
/// </summary>
public static class ElinAllocator
{
    /// <summary>Chooses an ELIN, or null when <paramref name="elins"/> is empty.</summary>
    /// <param name="elins">The location's ELINs in configured order.</param>
    /// <param name="assignments">Assignments of these ELINs; expired ones are ignored.</param>
    /// <param name="callerNumber">The calling number (any spelling <see cref="PhoneNumber.Normalize"/> accepts).</param>
    /// <param name="now">The current time.</param>
    public static ElinChoice? Choose(IReadOnlyList<string> elins, IReadOnlyList<ElinAssignment> assignments, string? callerNumber, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(elins);
        ArgumentNullException.ThrowIfNull(assignments);
        if (elins.Count == 0) return null;

        var caller = PhoneNumber.Normalize(callerNumber);
        // Latest active assignment per ELIN of this location, keyed by normalised ELIN.
        var latest = new Dictionary<string, ElinAssignment>(StringComparer.Ordinal);
        foreach (var assignment in assignments)
        {
            if (!assignment.IsActive(now)) continue;
            var key = PhoneNumber.Normalize(assignment.Elin) ?? assignment.Elin;
            if (!latest.TryGetValue(key, out var existing) || assignment.AssignedAt > existing.AssignedAt) latest[key] = assignment;
        }

        if (caller is not null)
        {
            ElinAssignment? own = null;
            string? ownElin = null;
            foreach (var elin in elins)
            {
                if (latest.TryGetValue(Key(elin), out var held) && PhoneNumber.Normalize(held.CallerNumber) == caller &&
                    (own is null || held.AssignedAt > own.AssignedAt))
                {
                    own = held;
                    ownElin = elin;
                }
            }
            if (ownElin is not null) return new ElinChoice(ownElin, ElinChoiceReason.SameCaller);
        }

        foreach (var elin in elins)
        {
            if (!latest.ContainsKey(Key(elin))) return new ElinChoice(elin, ElinChoiceReason.Free);
        }

        var oldest = elins[0];
        var oldestAt = latest[Key(oldest)].AssignedAt;
        for (var i = 1; i < elins.Count; i++)
        {
            var at = latest[Key(elins[i])].AssignedAt;
            if (at < oldestAt)
            {
                oldest = elins[i];
                oldestAt = at;
            }
        }
        return new ElinChoice(oldest, ElinChoiceReason.LeastRecentlyAssigned);
    }

    private static string Key(string elin) => PhoneNumber.Normalize(elin) ?? elin;
}
