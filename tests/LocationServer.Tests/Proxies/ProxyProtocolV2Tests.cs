using System.Buffers;
using System.Net;
using LocationServer.Hosting;

namespace LocationServer.Tests.Proxies;

/// <summary>The PROXY protocol v2 header reader (haproxy's proxy-protocol.txt §2.2) on valid, truncated and hostile input.</summary>
public sealed class ProxyProtocolV2Tests
{
    internal static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static readonly byte[] Http = "GET / HTTP/1.1\r\n"u8.ToArray();

    private static (ProxyHeaderStatus Status, ProxyHeader? Header) Read(byte[] bytes)
    {
        var status = ProxyProtocolV2.TryRead(new ReadOnlySequence<byte>(bytes), out var header);
        return (status, header);
    }

    [Fact]
    public void TryRead_Ipv4Proxy_SourceDestinationAndLengthBeforeTheRequest()
    {
        var header = ProxyDeploymentTests.ProxyHeader(IPAddress.Parse("192.0.2.10"), IPAddress.Parse("198.51.100.1"));
        var (status, parsed) = Read([.. header, .. Http]);
        Assert.Equal(ProxyHeaderStatus.Complete, status);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 51234), parsed!.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 80), parsed.Destination);
        Assert.Equal(16 + 12, parsed.Length);
    }

    [Fact]
    public void TryRead_Ipv6ProxyWithTlvs_LengthCoversTheTlvs()
    {
        byte[] tlvs = [0x01, 0x00, 0x02, (byte)'h', (byte)'2', 0x05, 0x00, 0x03, 1, 2, 3];
        var header = ProxyDeploymentTests.ProxyHeader(IPAddress.Parse("2001:db8::17"), IPAddress.Parse("2001:db8::1"), tlvs);
        var (status, parsed) = Read([.. header, .. Http]);
        Assert.Equal(ProxyHeaderStatus.Complete, status);
        Assert.Equal(IPAddress.Parse("2001:db8::17"), parsed!.Source!.Address);
        Assert.Equal(16 + 36 + tlvs.Length, parsed.Length);
    }

    [Fact]
    public void TryRead_Ipv4MappedIpv6Source_ReadAsIpv4()
    {
        var header = ProxyDeploymentTests.ProxyHeader(IPAddress.Parse("::ffff:192.0.2.7"), IPAddress.Parse("::ffff:192.0.2.1"));
        Assert.Equal(IPAddress.Parse("192.0.2.7"), Read(header).Header!.Source!.Address);
    }

    [Fact]
    public void TryRead_LocalCommandWithAddressesAndTlv_CompleteWithoutSource()
    {
        var proxy = ProxyDeploymentTests.ProxyHeader(IPAddress.Parse("192.0.2.10"), IPAddress.Parse("198.51.100.1"), [0x04, 0x00, 0x00]);
        proxy[12] = 0x20;
        var (status, parsed) = Read(proxy);
        Assert.Equal(ProxyHeaderStatus.Complete, status);
        Assert.Null(parsed!.Source);
        Assert.Equal(proxy.Length, parsed.Length);
    }

    [Fact]
    public void TryRead_UnspecAndUnixFamilies_CompleteWithoutSource()
    {
        byte[] unspec = [.. Signature, 0x21, 0x00, 0x00, 0x00];
        byte[] unix = [.. Signature, 0x21, 0x31, 0x00, 216, .. new byte[216]];
        Assert.Null(Read(unspec).Header!.Source);
        Assert.Equal(ProxyHeaderStatus.Complete, Read(unix).Status);
        Assert.Null(Read(unix).Header!.Source);
    }

    [Fact]
    public void TryRead_EveryTruncation_IncompleteNeverInvalid()
    {
        var header = ProxyDeploymentTests.ProxyHeader(IPAddress.Parse("2001:db8::17"), IPAddress.Parse("2001:db8::1"), [0x01, 0x00, 0x02, (byte)'h', (byte)'2']);
        for (var length = 0; length < header.Length; length++)
            Assert.Equal(ProxyHeaderStatus.Incomplete, Read(header[..length]).Status);
        Assert.Equal(ProxyHeaderStatus.Complete, Read(header).Status);
    }

    [Fact]
    public void TryRead_HeaderSplitIntoOneByteSegments_SameAsContiguous()
    {
        var header = ProxyDeploymentTests.ProxyHeader(IPAddress.Parse("192.0.2.10"), IPAddress.Parse("198.51.100.1"), [0x04, 0x00, 0x01, 9]);
        var status = ProxyProtocolV2.TryRead(Segments([.. header, .. Http]), out var parsed);
        Assert.Equal(ProxyHeaderStatus.Complete, status);
        Assert.Equal(IPAddress.Parse("192.0.2.10"), parsed!.Source!.Address);
        Assert.Equal(header.Length, parsed.Length);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("PROXY TCP4 192.0.2.1 192.0.2.2 1234 80\r\n")]
    [InlineData("\r\n\r\n\0\r\nQUIX\n")]
    public void TryRead_NotAVersion2Header_InvalidFromTheFirstWrongByte(string start)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(start);
        Assert.Equal(ProxyHeaderStatus.Invalid, Read(bytes).Status);
        var firstWrong = 0;
        while (firstWrong < Signature.Length && bytes[firstWrong] == Signature[firstWrong]) firstWrong++;
        Assert.Equal(ProxyHeaderStatus.Invalid, Read(bytes[..(firstWrong + 1)]).Status);
    }

    [Theory]
    [InlineData(0x11, 0x11)] // version 1 in the binary form
    [InlineData(0x22, 0x11)] // command 2
    [InlineData(0x21, 0x41)] // family 4
    [InlineData(0x21, 0x13)] // transport 3
    [InlineData(0x21, 0x12)] // UDP over IPv4: cannot have arrived on a TCP listener
    public void TryRead_UnknownVersionCommandFamilyOrTransport_Invalid(byte versionCommand, byte familyTransport)
    {
        var header = ProxyDeploymentTests.ProxyHeader(IPAddress.Parse("192.0.2.10"), IPAddress.Parse("198.51.100.1"));
        header[12] = versionCommand;
        header[13] = familyTransport;
        Assert.Equal(ProxyHeaderStatus.Invalid, Read(header).Status);
    }

    [Fact]
    public void TryRead_LengthShorterThanTheAddresses_Invalid()
    {
        byte[] header = [.. Signature, 0x21, 0x21, 0x00, 12, .. new byte[12]];
        Assert.Equal(ProxyHeaderStatus.Invalid, Read(header).Status);
    }

    [Fact]
    public void TryRead_LengthAboveTheCap_InvalidBeforeTheBytesArrive()
    {
        byte[] header = [.. Signature, 0x21, 0x11, 0xFF, 0xFF];
        Assert.Equal(ProxyHeaderStatus.Invalid, Read(header).Status);
    }

    [Theory]
    [InlineData(new byte[] { 0x01 })]                   // a TLV cut in its type/length
    [InlineData(new byte[] { 0x01, 0x00, 0x05, 1, 2 })] // a TLV longer than what is left
    public void TryRead_MalformedTlvs_Invalid(byte[] tlvs)
    {
        var header = ProxyDeploymentTests.ProxyHeader(IPAddress.Parse("192.0.2.10"), IPAddress.Parse("198.51.100.1"), tlvs);
        Assert.Equal(ProxyHeaderStatus.Invalid, Read(header).Status);
    }

    [Fact]
    public void TryRead_RandomMutationsOfValidHeaders_NeverThrowAndNeverClaimMoreThanReceived()
    {
        var random = new Random(12);
        byte[][] seeds =
        [
            ProxyDeploymentTests.ProxyHeader(IPAddress.Parse("192.0.2.10"), IPAddress.Parse("198.51.100.1"), [0x01, 0x00, 0x02, (byte)'h', (byte)'2']),
            ProxyDeploymentTests.ProxyHeader(IPAddress.Parse("2001:db8::17"), IPAddress.Parse("2001:db8::1")),
            [.. Signature, 0x20, 0x00, 0x00, 0x00],
        ];
        var outcomes = new Dictionary<ProxyHeaderStatus, int>();
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = (byte[])seeds[i % seeds.Length].Clone();
            var mutations = 1 + random.Next(3);
            for (var m = 0; m < mutations; m++)
            {
                var position = random.Next(bytes.Length);
                bytes[position] = random.Next(4) == 0 ? (byte)random.Next(256) : (byte)(bytes[position] ^ (1 << random.Next(8)));
            }
            if (random.Next(4) == 0) bytes = bytes[..random.Next(bytes.Length + 1)];
            var status = ProxyProtocolV2.TryRead(random.Next(2) == 0 ? new ReadOnlySequence<byte>(bytes) : Segments(bytes), out var header);
            outcomes[status] = outcomes.GetValueOrDefault(status) + 1;
            if (status == ProxyHeaderStatus.Complete) Assert.InRange(header!.Length, ProxyProtocolV2.FixedLength, bytes.Length);
        }
        // The mutations reach every outcome, so the loop exercised more than the signature check.
        Assert.All(Enum.GetValues<ProxyHeaderStatus>(), s => Assert.True(outcomes.GetValueOrDefault(s) > 100, $"{s}: {outcomes.GetValueOrDefault(s)}"));
    }

    private static ReadOnlySequence<byte> Segments(byte[] bytes)
    {
        if (bytes.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(bytes.AsMemory(0, 1), 0);
        var last = first;
        for (var i = 1; i < bytes.Length; i++) last = last.Append(bytes.AsMemory(i, 1));
        return new ReadOnlySequence<byte>(first, 0, last, 1);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
