using System.Buffers;
using LocationServer.Grpc;

namespace LocationServer.Tests.Grpc;

public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("Application/GRPC; charset=utf-8", true)]
    [InlineData("application/grpc+json", false)]
    [InlineData("application/json", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsGrpcContentType_Values_Classified(string? contentType, bool expected)
    {
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));
    }

    [Fact]
    public void TryReadFrame_CompleteFrame_ReturnsPayload()
    {
        var buffer = new ReadOnlySequence<byte>([0, 0, 0, 0, 3, 10, 1, 65]);
        Assert.Equal(GrpcProtocol.FrameResult.Complete, GrpcProtocol.TryReadFrame(buffer, 100, out var message, out var length));
        Assert.Equal(new byte[] { 10, 1, 65 }, message.ToArray());
        Assert.Equal(8, length);
    }

    [Fact]
    public void TryReadFrame_EmptyMessage_IsComplete()
    {
        Assert.Equal(GrpcProtocol.FrameResult.Complete, GrpcProtocol.TryReadFrame(new ReadOnlySequence<byte>([0, 0, 0, 0, 0]), 100, out var message, out _));
        Assert.True(message.IsEmpty);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 3, 10 })]
    public void TryReadFrame_Partial_Incomplete(byte[] bytes)
    {
        Assert.Equal(GrpcProtocol.FrameResult.Incomplete, GrpcProtocol.TryReadFrame(new ReadOnlySequence<byte>(bytes), 100, out _, out _));
    }

    [Fact]
    public void TryReadFrame_SplitAcrossSegments_Complete()
    {
        var first = new Segment(new byte[] { 0, 0, 0 });
        var last = first.Append(new byte[] { 0, 2, 8 }).Append(new byte[] { 1 });
        var buffer = new ReadOnlySequence<byte>(first, 0, last, 1);
        Assert.Equal(GrpcProtocol.FrameResult.Complete, GrpcProtocol.TryReadFrame(buffer, 100, out var message, out _));
        Assert.Equal(new byte[] { 8, 1 }, message.ToArray());
    }

    [Fact]
    public void TryReadFrame_CompressedFlag_Compressed()
    {
        Assert.Equal(GrpcProtocol.FrameResult.Compressed, GrpcProtocol.TryReadFrame(new ReadOnlySequence<byte>([1, 0, 0, 0, 0]), 100, out _, out _));
    }

    [Fact]
    public void TryReadFrame_UnknownFlag_Invalid()
    {
        Assert.Equal(GrpcProtocol.FrameResult.InvalidFlag, GrpcProtocol.TryReadFrame(new ReadOnlySequence<byte>([2, 0, 0, 0, 0]), 100, out _, out _));
    }

    [Fact]
    public void TryReadFrame_LengthAboveLimit_TooLargeBeforeBodyArrives()
    {
        // Big-endian 0x00400001 = 4 MiB + 1.
        Assert.Equal(GrpcProtocol.FrameResult.TooLarge, GrpcProtocol.TryReadFrame(new ReadOnlySequence<byte>([0, 0, 0x40, 0, 1]), 4 * 1024 * 1024, out _, out _));
        Assert.Equal(GrpcProtocol.FrameResult.TooLarge, GrpcProtocol.TryReadFrame(new ReadOnlySequence<byte>([0, 0xff, 0xff, 0xff, 0xff]), int.MaxValue, out _, out _));
    }

    [Fact]
    public void WriteFrameHeader_Length_BigEndian()
    {
        var header = new byte[5];
        GrpcProtocol.WriteFrameHeader(header, 0x01020304);
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, header);
    }

    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("30S", 300_000_000L)]
    [InlineData("100m", 1_000_000L)]
    [InlineData("250u", 2_500L)]
    [InlineData("1000n", 10L)]
    [InlineData("1n", 1L)]
    [InlineData("0m", 0L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void TryParseTimeout_Units_Parsed(string value, long ticks)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("10x")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData("123456789S")]
    [InlineData(" 1S")]
    public void TryParseTimeout_Malformed_False(string? value)
    {
        Assert.False(GrpcProtocol.TryParseTimeout(value, out _));
    }

    [Theory]
    [InlineData("plain ASCII message", "plain ASCII message")]
    [InlineData("100% sure", "100%25 sure")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("Ungültige Nummer – 緊急", "Ung%C3%BCltige Nummer %E2%80%93 %E7%B7%8A%E6%80%A5")]
    [InlineData("emoji 🚑", "emoji %F0%9F%9A%91")]
    public void EncodeMessage_PerSpec_PercentEncodesUtf8(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcProtocol.EncodeMessage(message));
        Assert.Equal(message, GrpcProtocol.DecodeMessage(encoded));
    }

    [Theory]
    [InlineData("bad %zz escape", "bad %zz escape")]
    [InlineData("trailing %4", "trailing %4")]
    [InlineData("%41%42", "AB")]
    public void DecodeMessage_Malformed_KeptLiterally(string value, string expected)
    {
        Assert.Equal(expected, GrpcProtocol.DecodeMessage(value));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
