using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using LocationServer.Tests.Grpc.V1;

namespace LocationServer.Tests.Grpc;

/// <summary>
/// The gRPC server (Grpc.AspNetCore, served as the routing service is) against real clients: grpcio (Python),
/// @grpc/grpc-js (Node), Grpc.Net.Client (.NET), and HttpClient over h2c for what a client library hides.
/// </summary>
public sealed class GrpcInteropTests(GrpcTestHost host) : IClassFixture<GrpcTestHost>
{
    private static readonly string EchoMethod = $"/{GrpcTestHost.Service}/Echo";

    public static TheoryData<string> Clients => new() { "python", "node", "dotnet" };

    private Task<ClientResult> CallAsync(string client, string method, IMessage request, double? timeoutSeconds = null) =>
        GrpcClients.CallAsync(client, host.Target, method, request.ToByteArray(), timeoutSeconds);

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RealClient_Echo_RoundTripsNonAsciiFieldsWithDeadline(string client)
    {
        var result = await CallAsync(client, EchoMethod, new EchoRequest { Text = "tok-ü-緊", Tenant = "acme" }, 5);
        Assert.Equal(0, result.Code);
        Assert.Equal("tok-ü-緊|acme|deadline", EchoReply.Parser.ParseFrom(result.Response).Text);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RealClient_EchoWithoutTimeout_NoDeadline(string client)
    {
        var result = await CallAsync(client, EchoMethod, new EchoRequest { Text = "a", Tenant = "b" });
        Assert.Equal(0, result.Code);
        Assert.Equal("a|b|no-deadline", EchoReply.Parser.ParseFrom(result.Response).Text);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RealClient_ErrorWithNonAsciiMessage_StatusAndExactMessage(string client)
    {
        var result = await CallAsync(client, $"/{GrpcTestHost.Service}/Fail", new EchoRequest());
        Assert.Equal(3, result.Code);
        Assert.Equal(GrpcTestHost.NonAsciiMessage, result.Details);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RealClient_DeadlinePasses_DeadlineExceeded(string client)
    {
        var result = await CallAsync(client, $"/{GrpcTestHost.Service}/Slow", new EchoRequest(), 0.3);
        Assert.Equal(4, result.Code);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RealClient_UnknownMethod_Unimplemented(string client)
    {
        var method = await CallAsync(client, $"/{GrpcTestHost.Service}/NoSuchMethod", new EchoRequest());
        Assert.Equal(12, method.Code);
        var service = await CallAsync(client, "/no.such.v1.Service/Method", new EchoRequest());
        Assert.Equal(12, service.Code);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RealClient_HandlerThrows_UnknownWithGenericMessage(string client)
    {
        var result = await CallAsync(client, $"/{GrpcTestHost.Service}/Boom", new EchoRequest());
        Assert.Equal(2, result.Code);
        Assert.DoesNotContain("secret", result.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpClient_Echo_FramedMessageAndTrailers()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, EchoMethod, Frame(new EchoRequest { Text = "x" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(2, 0), response.Version);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(0, body[0]);
        Assert.Equal(body.Length - 5, BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1, 4)));
        Assert.Equal("x||no-deadline", EchoReply.Parser.ParseFrom(body.AsSpan(5).ToArray()).Text);
        Assert.Equal("0", Assert.Single(response.TrailingHeaders.GetValues("grpc-status")));
    }

    [Fact]
    public async Task HttpClient_Error_TrailersOnlyWithPercentEncodedMessage()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, $"/{GrpcTestHost.Service}/Fail", Frame(new EchoRequest()));
        await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3", Status(response));
        var raw = Header(response, "grpc-message")!;
        Assert.True(raw.All(c => c is >= ' ' and <= '~'), raw);
        Assert.Equal(GrpcTestHost.NonAsciiMessage, Uri.UnescapeDataString(raw));
    }

    [Theory]
    [InlineData("Slow")]
    [InlineData("Stubborn")]
    public async Task HttpClient_GrpcTimeout_ServerAnswersDeadlineExceeded(string method)
    {
        using var client = Http2Client();
        var stopwatch = Stopwatch.StartNew();
        using var response = await PostAsync(client, $"/{GrpcTestHost.Service}/{method}", Frame(new EchoRequest()), headers: [("grpc-timeout", "200m")]);
        await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("4", Status(response));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2.5), $"answered after {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task HttpClient_HandlerCancelsItself_NotOk()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, $"/{GrpcTestHost.Service}/OwnCancel", Frame(new EchoRequest()));
        Assert.Equal("2", Status(response));
    }

    [Fact]
    public async Task HttpClient_CompressedFlagWithoutEncoding_Internal()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, EchoMethod, [1, 0, 0, 0, 0]);
        Assert.Equal("13", Status(response));
    }

    [Fact]
    public async Task HttpClient_MessageOverLimit_ResourceExhausted()
    {
        using var client = Http2Client();
        // Declares 4 MiB + 1 bytes; the server answers from the header without waiting for the body.
        using var response = await PostAsync(client, EchoMethod, [0, 0, 0x40, 0, 1, 0, 0, 0]);
        Assert.Equal("8", Status(response));
    }

    [Fact]
    public async Task HttpClient_MalformedProtobuf_Unknown()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, EchoMethod, [0, 0, 0, 0, 2, 0xff, 0xff]);
        // Grpc.AspNetCore reports a message that does not parse like a handler failure.
        Assert.Equal("2", Status(response));
    }

    [Fact]
    public async Task HttpClient_EmptyBody_Internal()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, EchoMethod, []);
        Assert.Equal("13", Status(response));
    }

    [Fact]
    public async Task HttpClient_TrailingBytesAfterMessage_Internal()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, EchoMethod, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        Assert.Equal("13", Status(response));
    }

    [Fact]
    public async Task HttpClient_WrongContentType_415()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, EchoMethod, Frame(new EchoRequest()), "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task HttpClient_GrpcProtoContentType_Accepted()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, EchoMethod, Frame(new EchoRequest()), "application/grpc+proto");
        await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("0", Status(response));
    }

    [Fact]
    public async Task HttpClient_UnknownMethod_Http200WithStatus12()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, "/no.Such/Method", Frame(new EchoRequest()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("12", Status(response));
    }

    internal static HttpClient Http2Client() => new(new SocketsHttpHandler())
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(20),
    };

    internal static byte[] Frame(IMessage message)
    {
        var payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1, 4), payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private Task<HttpResponseMessage> PostAsync(HttpClient client, string path, byte[] body, string contentType = "application/grpc", (string, string)[]? headers = null) =>
        PostAsync(client, new Uri(host.BaseAddress, path), body, contentType, headers);

    internal static async Task<HttpResponseMessage> PostAsync(HttpClient client, Uri uri, byte[] body, string contentType = "application/grpc", (string, string)[]? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TE.ParseAdd("trailers");
        foreach (var (name, value) in headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
        return await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
    }

    /// <summary>grpc-status from the trailers, or from the headers of a trailers-only response.</summary>
    internal static string? Status(HttpResponseMessage response) => Header(response, "grpc-status");

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.Single()
        : response.Headers.TryGetValues(name, out var header) ? header.Single()
        : null;
}
