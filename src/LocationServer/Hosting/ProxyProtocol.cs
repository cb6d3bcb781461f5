using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace LocationServer.Hosting;

/// <summary>What a PROXY protocol v2 header says about a connection.</summary>
/// <param name="Source">The client's address and port; null for a LOCAL connection (the load balancer's own, e.g. a health check) or an address family without IP (UNSPEC, UNIX).</param>
/// <param name="Destination">The address and port the client connected to at the load balancer; null with <paramref name="Source"/>.</param>
/// <param name="Length">Bytes of the header (16 + address block + TLVs), consumed before the connection's own bytes.</param>
internal sealed record ProxyHeader(IPEndPoint? Source, IPEndPoint? Destination, int Length);

/// <summary>Outcome of reading a PROXY protocol header from the bytes received so far.</summary>
internal enum ProxyHeaderStatus
{
    /// <summary>A complete, valid header.</summary>
    Complete,
    /// <summary>Valid so far; more bytes are needed.</summary>
    Incomplete,
    /// <summary>Not a PROXY protocol v2 header, or a malformed one.</summary>
    Invalid,
}

/// <summary>
/// The PROXY protocol version 2 binary header (haproxy's "The PROXY protocol", §2.2): a 12-byte signature, the
/// version and command, the address family and transport, the length of what follows, the addresses, then TLVs.
/// Only what a TCP listener can use is accepted: version 2, LOCAL or PROXY, TCP over IPv4 or IPv6 (UNSPEC and UNIX
/// are accepted without an address); TLVs must be well formed and are otherwise ignored.
/// </summary>
internal static class ProxyProtocolV2
{
    /// <summary>The fixed signature: <c>\r\n\r\n\0\r\nQUIT\n</c>.</summary>
    public static ReadOnlySpan<byte> Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>The header's fixed part: signature, version/command, family/transport, length.</summary>
    public const int FixedLength = 16;

    /// <summary>Largest address block + TLVs accepted, in bytes (a load balancer's addresses and usual TLVs take well under 1 KiB).</summary>
    public const int MaxVariableLength = 4096;

    private const int Ipv4Block = 12;
    private const int Ipv6Block = 36;
    private const int UnixBlock = 216;

    /// <summary>Reads a header from the start of <paramref name="buffer"/>; <see cref="ProxyHeaderStatus.Complete"/> sets <paramref name="header"/>.</summary>
    public static ProxyHeaderStatus TryRead(ReadOnlySequence<byte> buffer, out ProxyHeader? header)
    {
        header = null;
        Span<byte> fixedPart = stackalloc byte[FixedLength];
        var available = (int)Math.Min(buffer.Length, FixedLength);
        buffer.Slice(0, available).CopyTo(fixedPart);
        // A connection that does not start with the signature is refused as soon as one byte differs.
        var signatureBytes = Math.Min(available, Signature.Length);
        if (!fixedPart[..signatureBytes].SequenceEqual(Signature[..signatureBytes])) return ProxyHeaderStatus.Invalid;
        if (available < FixedLength) return ProxyHeaderStatus.Incomplete;

        var version = fixedPart[12] >> 4;
        var command = fixedPart[12] & 0x0F;
        var family = fixedPart[13] >> 4;
        var transport = fixedPart[13] & 0x0F;
        var length = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);
        if (version != 2 || command > 1 || family > 3 || transport > 2) return ProxyHeaderStatus.Invalid;
        if (length > MaxVariableLength) return ProxyHeaderStatus.Invalid;
        if (buffer.Length < FixedLength + length) return ProxyHeaderStatus.Incomplete;

        var variable = new byte[length];
        buffer.Slice(FixedLength, length).CopyTo(variable);
        var local = command == 0;
        var addressBlock = family switch { 1 => Ipv4Block, 2 => Ipv6Block, 3 => UnixBlock, _ => 0 };
        if (length < addressBlock) return ProxyHeaderStatus.Invalid;
        IPEndPoint? source = null;
        IPEndPoint? destination = null;
        if (!local && family is 1 or 2)
        {
            // Only a stream (TCP) connection can have arrived on this listener.
            if (transport != 1) return ProxyHeaderStatus.Invalid;
            var size = family == 1 ? 4 : 16;
            var block = variable.AsSpan(0, addressBlock);
            var sourceAddress = new IPAddress(block[..size]);
            var destinationAddress = new IPAddress(block.Slice(size, size));
            if (sourceAddress.IsIPv4MappedToIPv6) sourceAddress = sourceAddress.MapToIPv4();
            if (destinationAddress.IsIPv4MappedToIPv6) destinationAddress = destinationAddress.MapToIPv4();
            source = new IPEndPoint(sourceAddress, BinaryPrimitives.ReadUInt16BigEndian(block[(2 * size)..]));
            destination = new IPEndPoint(destinationAddress, BinaryPrimitives.ReadUInt16BigEndian(block[(2 * size + 2)..]));
        }
        // LOCAL carries whatever address block the sender chose; its length still covers it, and TLVs may follow.
        if (!TlvsWellFormed(variable.AsSpan(local ? Math.Min(addressBlock, length) : addressBlock))) return ProxyHeaderStatus.Invalid;
        header = new ProxyHeader(source, destination, FixedLength + length);
        return ProxyHeaderStatus.Complete;
    }

    /// <summary>Each TLV is a type byte, a big-endian 16-bit length and that many bytes, filling the rest exactly (§2.2.7).</summary>
    private static bool TlvsWellFormed(ReadOnlySpan<byte> tlvs)
    {
        while (tlvs.Length > 0)
        {
            if (tlvs.Length < 3) return false;
            var length = BinaryPrimitives.ReadUInt16BigEndian(tlvs[1..]);
            if (tlvs.Length < 3 + length) return false;
            tlvs = tlvs[(3 + length)..];
        }
        return true;
    }
}

/// <summary>Connection feature of a connection that arrived with a PROXY protocol header: the load balancer that opened it.</summary>
internal sealed record ProxyProtocolConnection(IPAddress? LoadBalancer);

/// <summary>
/// The connection middleware of the endpoints in <c>Network:ProxyProtocolEndpoints</c>: a connection from a trusted
/// load balancer must start with a valid PROXY protocol v2 header within <c>Connections:RequestHeadersTimeoutSeconds</c>;
/// the header's source then becomes the connection's remote address. Any other connection is closed unanswered.
/// </summary>
internal sealed partial class ProxyProtocolListener(TrustedProxySet trusted, IOptions<ConnectionLimitOptions> limits, TimeProvider time, ILogger<ProxyProtocolListener> logger)
{
    private long _refused;

    /// <summary>Connections closed since start: from an untrusted source, without a valid header, or too slow to send it.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public async Task RunAsync(ConnectionContext context, ConnectionDelegate next)
    {
        var peer = (context.RemoteEndPoint as IPEndPoint)?.Address;
        if (!trusted.Contains(peer))
        {
            Refuse(context, "untrusted source");
            return;
        }
        var header = await ReadHeaderAsync(context).ConfigureAwait(false);
        if (header is null) return;
        if (header.Source is { } source)
        {
            context.RemoteEndPoint = source;
            if (context.Features.Get<IHttpConnectionFeature>() is { } connection)
            {
                connection.RemoteIpAddress = source.Address;
                connection.RemotePort = source.Port;
            }
        }
        context.Features.Set(new ProxyProtocolConnection(peer));
        await next(context).ConfigureAwait(false);
    }

    private async Task<ProxyHeader?> ReadHeaderAsync(ConnectionContext context)
    {
        var input = context.Transport.Input;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(limits.Value.RequestHeadersTimeoutSeconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.ConnectionClosed);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Refuse(context, "no header in time");
                return null;
            }
            var buffer = result.Buffer;
            var status = ProxyProtocolV2.TryRead(buffer, out var header);
            if (status == ProxyHeaderStatus.Complete)
            {
                input.AdvanceTo(buffer.GetPosition(header!.Length));
                return header;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (status == ProxyHeaderStatus.Invalid || result.IsCompleted || result.IsCanceled)
            {
                Refuse(context, status == ProxyHeaderStatus.Invalid ? "invalid header" : "closed before the header ended");
                return null;
            }
        }
    }

    private void Refuse(ConnectionContext context, string reason)
    {
        var refused = Interlocked.Increment(ref _refused);
        Log.RefusedDetail(logger, reason);
        // Bounded logging under a flood: the first refusal and every 1,000th after it.
        if (refused % 1000 == 1) Log.Refused(logger, refused);
        context.Abort(new ConnectionAbortedException("PROXY protocol header refused: " + reason + "."));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2942, Level = LogLevel.Warning, Message = "{Refused} connections refused so far on a PROXY protocol endpoint (Network:ProxyProtocolEndpoints): not from a trusted proxy, or without a valid PROXY protocol v2 header")]
        public static partial void Refused(ILogger logger, long refused);

        [LoggerMessage(EventId = 2943, Level = LogLevel.Debug, Message = "PROXY protocol connection refused: {Reason}")]
        public static partial void RefusedDetail(ILogger logger, string reason);
    }
}

/// <summary>Puts <see cref="ProxyProtocolListener"/> in front of each endpoint named in <c>Network:ProxyProtocolEndpoints</c>.</summary>
internal sealed class ProxyProtocolKestrelSetup(IConfiguration configuration, ProxyProtocolListener listener) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        // Read without validation: Kestrel is configured while the host is built, before the settings are checked
        // (an invalid Network section stops the start right after, naming each problem).
        var endpoints = configuration.GetSection(NetworkOptions.Section).GetSection(nameof(NetworkOptions.ProxyProtocolEndpoints)).Get<string[]>() ?? [];
        if (endpoints.Length == 0) return;
        var loader = kestrel.ConfigurationLoader
            ?? throw new InvalidOperationException("Network:ProxyProtocolEndpoints names Kestrel endpoints, but Kestrel is not configured from the Kestrel section.");
        foreach (var name in endpoints)
        {
            // Runs before TLS (the header precedes the handshake) and before HTTP.
            loader.Endpoint(name, endpoint => endpoint.ListenOptions.Use(next => context => listener.RunAsync(context, next)));
        }
    }
}
