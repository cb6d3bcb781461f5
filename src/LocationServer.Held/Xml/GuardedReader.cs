using System.Buffers;
using System.Text;
using System.Text.Unicode;
using System.Xml;

namespace LocationServer.Held.Xml;

/// <summary>
/// A forward-only walk over an <see cref="XmlReader"/> that enforces the depth cap on every node, so no subtree is
/// skipped unchecked. Handlers that do not consume a child leave it to <see cref="NextChild"/>, which steps over it.
/// </summary>
internal sealed class GuardedReader(XmlReader reader, int maxDepth = WireFormat.MaxDepth)
{
    public XmlReader R { get; } = reader;

    public bool Read()
    {
        if (!R.Read()) return false;
        if (R.Depth > maxDepth) throw new XmlException($"Element nesting exceeds {maxDepth} levels.");
        return true;
    }

    /// <summary>Moves to the document element, returning the XML declaration's encoding pseudo-attribute if any.</summary>
    public bool MoveToDocumentElement(out string? declaredEncoding)
    {
        declaredEncoding = null;
        while (Read())
        {
            if (R.NodeType == XmlNodeType.XmlDeclaration) declaredEncoding = R.GetAttribute("encoding");
            else if (R.NodeType == XmlNodeType.Element) return true;
        }
        return false;
    }

    /// <summary>Advances to the next child element of the element at <paramref name="parentDepth"/>; false at its end.</summary>
    public bool NextChild(int parentDepth)
    {
        while (Read())
        {
            if (R.NodeType == XmlNodeType.Element && R.Depth == parentDepth + 1) return true;
            if (R.NodeType == XmlNodeType.EndElement && R.Depth == parentDepth) return false;
        }
        return false;
    }

    /// <summary>Reads to the end of the document so that well-formedness is checked throughout.</summary>
    public void Drain()
    {
        while (Read())
        {
        }
    }

    /// <summary>Concatenated text content of the current element (nested elements skipped); leaves the reader on its end.</summary>
    public string ReadText()
    {
        if (R.IsEmptyElement) return string.Empty;
        var depth = R.Depth;
        string? first = null;
        StringBuilder? sb = null;
        while (Read())
        {
            switch (R.NodeType)
            {
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace:
                    if (R.Depth != depth + 1) break;
                    if (first is null) first = R.Value;
                    else (sb ??= new StringBuilder(first)).Append(R.Value);
                    break;
                case XmlNodeType.EndElement when R.Depth == depth:
                    return sb?.ToString() ?? first ?? string.Empty;
            }
        }
        return sb?.ToString() ?? first ?? string.Empty;
    }

    /// <summary>"{namespace}localName" of the current element, for audit records.</summary>
    public string ExpandedName() => "{" + R.NamespaceURI + "}" + R.LocalName;
}

/// <summary>Reads a request body into memory under a byte cap and checks the encoding (RFC 5985 §5: UTF-8).</summary>
internal static class RequestBody
{
    /// <summary>
    /// Reads at most <paramref name="maxBytes"/> + 1 bytes into a buffer rented from <see cref="ArrayPool{T}.Shared"/>
    /// (give it back with <see cref="Return"/>); <paramref name="tooLarge"/> when the cap is passed.
    /// </summary>
    public static byte[] Read(Stream body, int maxBytes, out int length, out bool tooLarge)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, InitialBuffer));
        length = 0;
        tooLarge = false;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > maxBytes) { tooLarge = true; return buffer; }
                    buffer = Grow(buffer, length, maxBytes);
                }
                var n = body.Read(buffer, length, Math.Min(buffer.Length, maxBytes + 1) - length);
                if (n == 0) return buffer;
                length += n;
                if (length > maxBytes) { tooLarge = true; return buffer; }
            }
        }
        catch
        {
            Return(buffer, length);
            throw;
        }
    }

    /// <summary>Asynchronous form of <see cref="Read"/> for request bodies that forbid synchronous I/O.</summary>
    public static async ValueTask<(byte[] Buffer, int Length, bool TooLarge)> ReadAsync(
        Stream body, int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, InitialBuffer));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > maxBytes) return (buffer, length, true);
                    buffer = Grow(buffer, length, maxBytes);
                }
                var n = await body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, maxBytes + 1) - length), cancellationToken).ConfigureAwait(false);
                if (n == 0) return (buffer, length, false);
                length += n;
                if (length > maxBytes) return (buffer, length, true);
            }
        }
        catch
        {
            Return(buffer, length);
            throw;
        }
    }

    /// <summary>Gives a buffer from <see cref="Read"/> back to the pool, wiping the request it held.</summary>
    public static void Return(byte[] buffer, int length)
    {
        buffer.AsSpan(0, Math.Min(length, buffer.Length)).Clear();
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private const int InitialBuffer = 16 * 1024;

    private static byte[] Grow(byte[] buffer, int length, int maxBytes)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
        buffer.AsSpan(0, length).CopyTo(larger);
        Return(buffer, length);
        return larger;
    }

    /// <summary>
    /// Returns null when the bytes may be UTF-8, otherwise why not; <paramref name="start"/> skips a UTF-8 BOM.
    /// </summary>
    public static string? CheckEncoding(ReadOnlySpan<byte> body, out int start)
    {
        start = 0;
        if (body.IsEmpty) return "The request body is empty.";
        if (body.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) { start = 3; return null; }
        if (body.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || body.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) ||
            (body.Length >= 2 && (body[0] == 0 || body[1] == 0)))
            return "The request body is UTF-16 or UTF-32 encoded; HELD messages must be UTF-8 (RFC 5985 §5).";
        return null;
    }

    public static bool IsUtf8Label(string label) =>
        label.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) || label.Equals("UTF8", StringComparison.OrdinalIgnoreCase);

    /// <summary>An XmlReader over UTF-8 text; the declaration's encoding label is not obeyed (the caller checks it).</summary>
    public static XmlReader CreateReader(byte[] buffer, int start, int length, int maxCharacters)
    {
        var text = new StreamReader(new MemoryStream(buffer, start, length - start, writable: false),
            WireFormat.Utf8NoBom, detectEncodingFromByteOrderMarks: false, bufferSize: 4096);
        return XmlReader.Create(text, WireFormat.ReaderSettings(maxCharacters));
    }

    /// <summary>
    /// True when <see cref="CreateByteReader"/> may read the body: it is valid UTF-8 and starts with markup, so the
    /// reader takes it as UTF-8 from its first byte.
    /// </summary>
    public static bool CanReadAsBytes(ReadOnlySpan<byte> body) => body is [(byte)'<', ..] && Utf8.IsValid(body);

    /// <summary>
    /// An XmlReader over the bytes themselves, whose buffers are sized to the body rather than the 4 KB chunks of a
    /// text reader. Unlike <see cref="CreateReader"/> it obeys an encoding named in the XML declaration, so only its
    /// successes stand (they imply UTF-8); a failure must be read again with <see cref="CreateReader"/>.
    /// </summary>
    public static XmlReader CreateByteReader(byte[] buffer, int start, int length, int maxCharacters) =>
        XmlReader.Create(new MemoryStream(buffer, start, length - start, writable: false), WireFormat.ReaderSettings(maxCharacters));

    internal static byte[] Copy(ReadOnlySpan<byte> body)
    {
        var copy = GC.AllocateUninitializedArray<byte>(body.Length);
        body.CopyTo(copy);
        return copy;
    }
}
