namespace LocationServer.Routing;

/// <summary>Settings of the call-record writer (<c>Routing:CallRecords</c>), validated at start.</summary>
internal sealed class CallRecordOptions
{
    public const string Section = "Routing:CallRecords";

    /// <summary>
    /// The journal file that holds call records while the database is away, so that a crash during an outage loses
    /// none (<see cref="CallRecordJournal"/>). Default (set by the host): <c>{Storage:DataDirectory}/call-records.journal</c>;
    /// a relative path is resolved against the content root. It must be on a writable, local disk that survives a
    /// restart of the process, and belong to one process only. Unset (outside the host): no journal.
    /// </summary>
    public string? JournalPath { get; set; }

    /// <summary>Each problem with the settings, naming the setting: the journal must be a file the service can open.</summary>
    public IEnumerable<string> Problems()
    {
        if (JournalPath is null) yield break;
        string? problem;
        if (string.IsNullOrWhiteSpace(JournalPath)) problem = "must not be empty";
        else if (Directory.Exists(JournalPath)) problem = $"names a directory ({JournalPath}); give a file path";
        else
        {
            try
            {
                // Open and close: the directory is created, the file is writable, no other process holds it.
                using var journal = CallRecordJournal.Open(JournalPath);
                problem = null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                problem = $"cannot be opened for writing ({JournalPath}): {e.Message}";
            }
        }
        if (problem is not null) yield return $"{Section}:{nameof(JournalPath)} {problem}";
    }
}
