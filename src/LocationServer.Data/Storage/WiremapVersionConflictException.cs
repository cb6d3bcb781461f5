namespace LocationServer.Data.Storage;

/// <summary>
/// A replacement made from the state at one wiremap version found a newer version committed in the meantime; nothing
/// was written. The caller reads the current state again and recomputes its change.
/// </summary>
public sealed class WiremapVersionConflictException : Exception
{
    public WiremapVersionConflictException() : base("The wiremap changed since it was read.") { }

    public WiremapVersionConflictException(string message) : base(message) { }

    public WiremapVersionConflictException(string message, Exception innerException) : base(message, innerException) { }

    public WiremapVersionConflictException(long expected, long found)
        : base($"The wiremap changed since version {expected} was read (now {found}).")
    {
        Expected = expected;
        Found = found;
    }

    /// <summary>The version the change was computed from.</summary>
    public long Expected { get; }

    /// <summary>The version committed when the change was offered.</summary>
    public long Found { get; }
}
