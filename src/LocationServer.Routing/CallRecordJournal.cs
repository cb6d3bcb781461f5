using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text.Json;
using System.Text.Json.Serialization;
using StoredAlert = LocationServer.Data.Storage.StoredAlert;
using StoredCallRecord = LocationServer.Data.Storage.CallRecord;
using StoredElin = LocationServer.Data.Storage.ElinAssignment;

namespace LocationServer.Routing;

/// <summary>
/// A local append-only file of the call records (with the ELIN windows they opened) and the alerts for the alert
/// ledger that wait for the store while it is away, so that a crash during an outage loses none of them.
/// <see cref="CallRecordWriter"/> appends to it only after a commit has failed, reads it back at start, and empties it
/// once everything in it is committed.
/// </summary>
/// <remarks>
/// Each record is one frame: the payload's length (4 bytes, little-endian), its CRC-32 (4 bytes, little-endian), and
/// the payload, the record as UTF-8 JSON. <see cref="Append"/> writes a batch of frames and flushes them to the disk
/// (fsync) before it returns. A frame that runs past the end of the file, or whose checksum does not match, is the
/// torn last write of a process that died while appending: <see cref="ReadAll"/> stops there and cuts it off, so
/// later appends follow the last whole frame. The file is opened exclusively: a second process given the same path
/// fails to open it rather than interleave its frames.
/// </remarks>
internal sealed class CallRecordJournal : IDisposable
{
    private const int HeaderBytes = 8;

    /// <summary>No record comes near this; a larger length is a torn or foreign header.</summary>
    private const int MaxPayloadBytes = 1 << 20;

    private static readonly byte[] BlankHeader = new byte[HeaderBytes];

    private readonly FileStream _file;
    private readonly MemoryStream _batch = new();
    private readonly Utf8JsonWriter _json;

    private CallRecordJournal(string path, FileStream file)
    {
        FilePath = path;
        _file = file;
        _json = new Utf8JsonWriter(_batch);
    }

    /// <summary>The journal file.</summary>
    public string FilePath { get; }

    /// <summary>Bytes in the journal; 0 when it is empty.</summary>
    public long Length => _file.Length;

    /// <summary>Opens (creating it and its directory if needed) the journal at <paramref name="path"/>, positioned at its start.</summary>
    /// <exception cref="IOException">The file cannot be created or is in use by another process.</exception>
    /// <exception cref="UnauthorizedAccessException">The file or its directory is not writable.</exception>
    public static CallRecordJournal Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { Length: > 0 } directory) Directory.CreateDirectory(directory);
        var file = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 64 * 1024);
        return new CallRecordJournal(full, file);
    }

    /// <summary>
    /// Reads every whole record from the start, cuts off a torn tail (returning how many bytes it held), and leaves
    /// the file positioned for appending after the last whole record.
    /// </summary>
    public JournalContents ReadAll()
    {
        var entries = new List<JournalEntry>();
        var length = _file.Length;
        long valid = 0;
        Span<byte> header = stackalloc byte[HeaderBytes];
        var payload = new byte[4096];
        _file.Position = 0;
        while (length - valid >= HeaderBytes)
        {
            _file.ReadExactly(header);
            var size = BinaryPrimitives.ReadInt32LittleEndian(header);
            var checksum = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            if (size <= 0 || size > MaxPayloadBytes || length - valid - HeaderBytes < size) break;
            if (payload.Length < size) payload = new byte[Math.Max(size, payload.Length * 2)];
            _file.ReadExactly(payload, 0, size);
            var body = payload.AsSpan(0, size);
            if (Crc32.HashToUInt32(body) != checksum) break;
            JournalEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize(body, JournalJson.Default.JournalEntry);
            }
            catch (JsonException)
            {
                break;
            }
            // A record (with its call's alert, if any) or an alert alone; anything else is not a frame this journal wrote.
            if (entry is null || (entry.Record is null && entry.Alert is null)) break;
            entries.Add(entry);
            valid += HeaderBytes + size;
        }
        var torn = length - valid;
        if (torn > 0)
        {
            _file.SetLength(valid);
            _file.Flush(flushToDisk: true);
        }
        _file.Position = valid;
        return new JournalContents(entries, torn);
    }

    /// <summary>
    /// Appends <paramref name="entries"/> and flushes them to the disk. On failure (disk full, I/O error) the file is
    /// cut back to where it was, so no partial record is left before later appends.
    /// </summary>
    public void Append(IReadOnlyList<JournalEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return;
        _batch.SetLength(0);
        foreach (var entry in entries)
        {
            var start = _batch.Length;
            _batch.Write(BlankHeader);
            _json.Reset(_batch);
            JsonSerializer.Serialize(_json, entry, JournalJson.Default.JournalEntry);
            _json.Flush();
            var buffer = _batch.GetBuffer();
            var size = (int)(_batch.Length - start - HeaderBytes);
            var frame = buffer.AsSpan((int)start, HeaderBytes + size);
            BinaryPrimitives.WriteInt32LittleEndian(frame, size);
            BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32.HashToUInt32(frame[HeaderBytes..]));
        }
        var end = _file.Position;
        try
        {
            _file.Write(_batch.GetBuffer(), 0, (int)_batch.Length);
            _file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            TryCutBack(end);
            throw;
        }
    }

    /// <summary>Empties the journal (everything in it is committed) and flushes that to the disk.</summary>
    public void Clear()
    {
        _file.SetLength(0);
        _file.Flush(flushToDisk: true);
        _file.Position = 0;
    }

    public void Dispose()
    {
        _json.Dispose();
        _batch.Dispose();
        _file.Dispose();
    }

    private void TryCutBack(long length)
    {
        try
        {
            _file.SetLength(length);
            _file.Position = length;
        }
        catch (IOException)
        {
            // The next start's read stops at the partial record and cuts it off.
        }
    }
}

/// <summary>One journaled item: a call record with the ELIN window it opened and the alert it raised, or an alert alone.</summary>
internal sealed record JournalEntry(StoredCallRecord? Record, StoredElin? Elin, StoredAlert? Alert = null);

/// <summary>What <see cref="CallRecordJournal.ReadAll"/> found: the whole records, and the bytes of a torn tail it cut off.</summary>
internal sealed record JournalContents(IReadOnlyList<JournalEntry> Entries, long TornBytes);

[JsonSerializable(typeof(JournalEntry))]
internal sealed partial class JournalJson : JsonSerializerContext;
