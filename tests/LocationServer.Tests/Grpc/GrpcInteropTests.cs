using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using LocationServer.Grpc;
using LocationServer.Routing.V1;

namespace LocationServer.Tests.Grpc;

/// <summary>The unary gRPC layer against real clients: grpcio (Python), @grpc/grpc-js (Node) and HttpClient over h2c.</summary>
public sealed class GrpcInteropTests(GrpcTestHost host) : IClassFixture<GrpcTestHost>
{
    private const string PingMethod = "/locationserver.routing.v1.RoutingService/Ping";

    public static TheoryData<string> Clients => new() { "python", "node" };

    private Task<ClientResult> CallAsync(string client, string method, IMessage request, double? timeoutSeconds = null) =>
        client == "python"
            ? GrpcClients.PythonAsync(host.Target, method, request.ToByteArray(), timeoutSeconds)
            : GrpcClients.NodeAsync(host.Target, method, request.ToByteArray(), timeoutSeconds);

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RealClient_Ping_RoundTrips(string client)
    {
        var result = await CallAsync(client, PingMethod, new PingRequest());
        Assert.Equal(0, result.Code);
        Assert.Equal("ok", PingResponse.Parser.ParseFrom(result.Response).Status);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RealClient_Echo_RoundTripsFieldsWithDeadline(string client)
    {
        var result = await CallAsync(client, $"/{GrpcTestHost.Service}/Echo", new GetLocationRequest { LocationReference = "tok-ü-緊", Tenant = "acme" }, 5);
        Assert.Equal(0, result.Code);
        var response = GetLocationResponse.Parser.ParseFrom(result.Response);
        Assert.True(response.Found);
        Assert.Equal("tok-ü-緊|acme|deadline", response.Reason);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RealClient_ErrorWithNonAsciiMessage_StatusAndExactMessage(string client)
    {
        var result = await CallAsync(client, $"/{GrpcTestHost.Service}/Fail", new PingRequest());
        Assert.Equal((int)GrpcStatusCode.InvalidArgument, result.Code);
        Assert.Equal(GrpcTestHost.NonAsciiMessage, result.Details);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RealClient_DeadlinePasses_DeadlineExceeded(string client)
    {
        var result = await CallAsync(client, $"/{GrpcTestHost.Service}/Slow", new PingRequest(), 0.3);
        Assert.Equal((int)GrpcStatusCode.DeadlineExceeded, result.Code);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RealClient_UnknownMethod_Unimplemented(string client)
    {
        var result = await CallAsync(client, "/locationserver.routing.v1.RoutingService/NoSuchMethod", new PingRequest());
        Assert.Equal((int)GrpcStatusCode.Unimplemented, result.Code);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RealClient_HandlerThrows_InternalWithGenericMessage(string client)
    {
        var result = await CallAsync(client, $"/{GrpcTestHost.Service}/Boom", new PingRequest());
        Assert.Equal((int)GrpcStatusCode.Internal, result.Code);
        Assert.DoesNotContain("secret", result.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpClient_Ping_FramedMessageAndTrailers()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, PingMethod, Frame(new PingRequest()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(2, 0), response.Version);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(0, body[0]);
        Assert.Equal(body.Length - 5, (body[1] << 24) | (body[2] << 16) | (body[3] << 8) | body[4]);
        Assert.Equal("ok", PingResponse.Parser.ParseFrom(body.AsSpan(5).ToArray()).Status);
        Assert.Equal("0", Assert.Single(response.TrailingHeaders.GetValues("grpc-status")));
    }

    [Fact]
    public async Task HttpClient_Error_TrailersOnlyWithPercentEncodedMessage()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, $"/{GrpcTestHost.Service}/Fail", Frame(new PingRequest()));
        await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3", Status(response));
        var raw = Header(response, "grpc-message")!;
        Assert.True(raw.All(c => c is >= ' ' and <= '~'), raw);
        Assert.Equal(GrpcTestHost.NonAsciiMessage, GrpcProtocol.DecodeMessage(raw));
    }

    [Theory]
    [InlineData("Slow")]
    [InlineData("Stubborn")]
    public async Task HttpClient_GrpcTimeout_ServerAnswersDeadlineExceeded(string method)
    {
        using var client = Http2Client();
        var stopwatch = Stopwatch.StartNew();
        using var response = await PostAsync(client, $"/{GrpcTestHost.Service}/{method}", Frame(new PingRequest()), headers: [("grpc-timeout", "200m")]);
        await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("4", Status(response));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2.5), $"answered after {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task HttpClient_HandlerCancelsItself_Cancelled()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, $"/{GrpcTestHost.Service}/OwnCancel", Frame(new PingRequest()));
        Assert.Equal("1", Status(response));
    }

    [Fact]
    public async Task HttpClient_CompressedFlag_Unimplemented()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, PingMethod, [1, 0, 0, 0, 0]);
        Assert.Equal("12", Status(response));
    }

    [Fact]
    public async Task HttpClient_MessageOverLimit_ResourceExhausted()
    {
        using var client = Http2Client();
        // Declares 4 MiB + 1 bytes; the server answers from the header without waiting for the body.
        using var response = await PostAsync(client, PingMethod, [0, 0, 0x40, 0, 1, 0, 0, 0]);
        Assert.Equal("8", Status(response));
    }

    [Fact]
    public async Task HttpClient_MalformedProtobuf_Internal()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, PingMethod, [0, 0, 0, 0, 2, 0xff, 0xff]);
        Assert.Equal("13", Status(response));
    }

    [Fact]
    public async Task HttpClient_EmptyBody_Internal()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, PingMethod, []);
        Assert.Equal("13", Status(response));
    }

    [Fact]
    public async Task HttpClient_TrailingBytesAfterMessage_Internal()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, PingMethod, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        Assert.Equal("13", Status(response));
    }

    [Fact]
    public async Task HttpClient_WrongContentType_415()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, PingMethod, Frame(new PingRequest()), "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task HttpClient_GrpcProtoContentType_Accepted()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, PingMethod, Frame(new PingRequest()), "application/grpc+proto");
        await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("0", Status(response));
    }

    [Fact]
    public async Task HttpClient_UnknownMethod_Http200WithStatus12()
    {
        using var client = Http2Client();
        using var response = await PostAsync(client, "/no.Such/Method", Frame(new PingRequest()));
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
        GrpcProtocol.WriteFrameHeader(frame, payload.Length);
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
