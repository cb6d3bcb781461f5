using System.Text;
using CsvHelper;

namespace LocationServer.Locating.Imports;

/// <summary>One data record of a CSV file: the 1-based line where it starts in the file, and its fields.</summary>
internal sealed record CsvRow(int Line, string[] Fields);

/// <summary>
/// A CSV file read whole (RFC 4180: comma separated, double quotes, quoted line breaks), with what PowerShell's
/// <c>Export-Csv</c> adds: a UTF-8 or UTF-16 byte order mark and a first line <c>#TYPE Some.Type.Name</c>
/// (Windows PowerShell writes one unless told <c>-NoTypeInformation</c>). Header names match ignoring case; values
/// are trimmed and an empty value is absent. Line numbers count every line of the file, the #TYPE line and the header
/// too, as an editor shows them.
/// </summary>
internal sealed class CsvTable
{
    private readonly Dictionary<string, int> _columns;

    private CsvTable(IReadOnlyList<string> headers, IReadOnlyList<CsvRow> rows)
    {
        Headers = headers;
        Rows = rows;
        _columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < headers.Count; i++) _columns.TryAdd(headers[i], i);
    }

    public IReadOnlyList<string> Headers { get; }

    public IReadOnlyList<CsvRow> Rows { get; }

    /// <summary>The header line's number (2 after a #TYPE line, else 1).</summary>
    public int HeaderLine { get; private init; } = 1;

    public bool Has(string column) => _columns.ContainsKey(column);

    /// <summary>The trimmed value of <paramref name="column"/> in <paramref name="row"/>; null when empty or the column is absent.</summary>
    public string? Get(CsvRow row, string column)
    {
        if (!_columns.TryGetValue(column, out var index) || index >= row.Fields.Length) return null;
        var value = row.Fields[index];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>
    /// Reads <paramref name="data"/>; null with <paramref name="errors"/> filled when the file is not usable CSV
    /// (malformed quoting, a record with more fields than the header, no header), each error naming its line.
    /// </summary>
    public static CsvTable? Read(ReadOnlySpan<byte> data, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        string text;
        try
        {
            text = Decode(data);
        }
        catch (DecoderFallbackException)
        {
            errors.Add("line 1: the file is not UTF-8 or UTF-16 text (save it as UTF-8; Windows PowerShell: Export-Csv -Encoding UTF8)");
            return null;
        }
        var lineOffset = 0;
        if (text.StartsWith("#TYPE", StringComparison.OrdinalIgnoreCase))
        {
            // Windows PowerShell's Export-Csv type line: not part of the table.
            var end = text.IndexOf('\n', StringComparison.Ordinal);
            text = end < 0 ? "" : text[(end + 1)..];
            lineOffset = 1;
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add($"line {lineOffset + 1}: the file has no header line");
            return null;
        }
        var malformed = new List<string>();
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = true,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            TrimWhitespace = true,
            AllowLineBreaksInQuotes = true,
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            OnMalformedRecord = record => malformed.Add($"line {record.LineNumber + lineOffset}: malformed CSV ({Describe(record.Reason)})"),
        };
        var rows = new List<CsvRow>();
        string[] headers;
        try
        {
            using var reader = CsvReader.FromText(text, options);
            headers = [.. reader.Headers.Select(h => h.Trim())];
            while (reader.Read())
            {
                var line = (int)reader.LineNumber + lineOffset;
                var fields = new string[reader.FieldCount];
                for (var i = 0; i < fields.Length; i++) fields[i] = reader.GetString(i);
                if (fields.Length > headers.Length && fields.Skip(headers.Length).Any(f => !string.IsNullOrWhiteSpace(f)))
                {
                    errors.Add($"line {line}: {fields.Length} fields but the header names {headers.Length} columns");
                    continue;
                }
                if (fields.All(string.IsNullOrWhiteSpace)) continue;
                rows.Add(new CsvRow(line, fields));
            }
        }
        catch (CsvFormatException e)
        {
            errors.Add($"line {e.LineNumber + lineOffset}: malformed CSV");
            return null;
        }
        errors.AddRange(malformed);
        var duplicate = headers.GroupBy(h => h, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1 && g.Key.Length > 0);
        if (duplicate is not null) errors.Add($"line {lineOffset + 1}: the column {duplicate.Key} appears twice");
        if (headers.Length == 0 || headers.All(h => h.Length == 0)) errors.Add($"line {lineOffset + 1}: the file has no header line");
        if (errors.Count > 0) return null;
        return new CsvTable(headers, rows) { HeaderLine = lineOffset + 1 };
    }

    private static string Describe(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.StrayQuote => "a quote inside an unquoted field",
        CsvMalformedReason.TextAfterClosingQuote => "text after a closing quote",
        CsvMalformedReason.UnterminatedQuote => "a quoted field is never closed",
        CsvMalformedReason.FieldCountMismatch => "wrong number of fields",
        _ => reason.ToString(),
    };

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // UTF-8 unless a byte order mark says otherwise (Windows PowerShell 5.1 writes UTF-16 with -Encoding Unicode).
    // Bytes that are not UTF-8 (a file saved as Windows-1252) are refused rather than read as replacement characters.
    private static string Decode(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) return StrictUtf8.GetString(data[3..]);
        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])) return Encoding.Unicode.GetString(data[2..]);
        if (data.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])) return Encoding.BigEndianUnicode.GetString(data[2..]);
        return StrictUtf8.GetString(data);
    }
}
