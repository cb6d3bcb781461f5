using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace LocationServer.Grpc;

/// <summary>Limits of the unary gRPC endpoints.</summary>
internal sealed record GrpcUnaryOptions
{
    /// <summary>Largest request message accepted, in bytes. Default 4 MiB (the gRPC default); larger → RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;

    public static GrpcUnaryOptions Default { get; } = new();
}

/// <summary>
/// Serves unary gRPC methods on plain ASP.NET Core endpoints (grpc/doc/PROTOCOL-HTTP2.md), until
/// Grpc.AspNetCore is available: handlers see only the generated protobuf messages and
/// <see cref="ServerCallContextLite"/>, so they move over unchanged.
/// </summary>
internal static class GrpcUnaryEndpoints
{
    /// <summary>Maps <c>POST /{service}/{method}</c> to <paramref name="handler"/>.</summary>
    /// <param name="endpoints">The route builder.</param>
    /// <param name="service">Fully qualified service name, e.g. "locationserver.routing.v1.RoutingService".</param>
    /// <param name="method">Method name, e.g. "RouteCall".</param>
    /// <param name="handler">The implementation; throw <see cref="GrpcStatusException"/> for a non-OK status.</param>
    /// <param name="options">Limits; <see cref="GrpcUnaryOptions.Default"/> when null.</param>
    public static IEndpointConventionBuilder MapGrpcUnary<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints,
        string service,
        string method,
        Func<TRequest, ServerCallContextLite, ValueTask<TResponse>> handler,
        GrpcUnaryOptions? options = null)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentNullException.ThrowIfNull(handler);
        var invoker = new UnaryInvoker<TRequest, TResponse>($"/{service}/{method}", handler, options ?? GrpcUnaryOptions.Default);
        return endpoints.MapPost(invoker.Path, invoker.InvokeAsync)
            .WithDisplayName("gRPC " + invoker.Path)
            .WithMetadata(new GrpcMethodMetadata(service, method));
    }

    /// <summary>
    /// Answers every other <c>POST /{service}/{method}</c> with HTTP 200 and <c>grpc-status: 12</c> (UNIMPLEMENTED),
    /// as a gRPC server must. Restrict it to the gRPC listener (<see cref="LocalPortEndpointExtensions.RequireLocalPort"/>).
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcUnimplemented(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapPost("/{service}/{method}", static context =>
            {
                var path = context.Request.Path.Value ?? "";
                WriteStatus(context, GrpcStatusCode.Unimplemented, $"Method {path} is unimplemented.");
                return Task.CompletedTask;
            })
            .WithDisplayName("gRPC unimplemented")
            .WithOrder(int.MaxValue);
    }

    /// <summary>
    /// Ends the call with a status: as trailers-only (status in the response headers) when nothing was sent yet,
    /// else as trailers after the message.
    /// </summary>
    internal static void WriteStatus(HttpContext context, GrpcStatusCode status, string? message)
    {
        var response = context.Response;
        var code = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!response.HasStarted)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = code;
            if (!string.IsNullOrEmpty(message)) response.Headers["grpc-message"] = GrpcProtocol.EncodeMessage(message);
        }
        else if (response.SupportsTrailers())
        {
            response.AppendTrailer("grpc-status", code);
            if (!string.IsNullOrEmpty(message)) response.AppendTrailer("grpc-message", GrpcProtocol.EncodeMessage(message));
        }
    }

    private sealed class UnaryInvoker<TRequest, TResponse>(
        string path,
        Func<TRequest, ServerCallContextLite, ValueTask<TResponse>> handler,
        GrpcUnaryOptions options)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>
    {
        private static readonly MessageParser<TRequest> Parser = new(static () => new TRequest());

        private TimeProvider? _time;
        private ILogger? _log;

        public string Path { get; } = path;

        public async Task InvokeAsync(HttpContext context)
        {
            var request = context.Request;
            if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
            {
                // PROTOCOL-HTTP2.md: gRPC needs HTTP/2 trailers; tell HTTP/1.1 callers to upgrade.
                context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
                context.Response.Headers.Upgrade = "h2c";
                WriteStatusHeaders(context, GrpcStatusCode.Internal, "Request protocol " + request.Protocol + " is not supported; use HTTP/2.");
                return;
            }
            if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
            {
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                WriteStatusHeaders(context, GrpcStatusCode.Internal, $"Content-Type '{request.ContentType}' is not supported.");
                return;
            }

            // Resolved once: the root provider's singletons do not change per request.
            var time = _time ??= context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
            var log = _log ??= GrpcLog.For(context.RequestServices);
            TimeSpan? timeout = null;
            if (request.Headers.TryGetValue("grpc-timeout", out var timeoutHeader))
            {
                if (GrpcProtocol.TryParseTimeout(timeoutHeader.ToString(), out var parsed)) timeout = parsed;
                else GrpcLog.InvalidTimeout(log, Path);
            }

            using var deadline = timeout is { } t ? new CancellationTokenSource(Clamp(t), time) : null;
            using var call = deadline is null ? null : CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, deadline.Token);
            var token = call?.Token ?? context.RequestAborted;
            var callContext = new ServerCallContextLite(context, Path, timeout is { } d ? time.GetUtcNow() + d : null, token);

            TResponse response;
            try
            {
                var (message, status, detail) = await ReadRequestAsync(request.BodyReader, token).ConfigureAwait(false);
                if (message is null)
                {
                    WriteStatus(context, status, detail);
                    return;
                }
                var pending = handler(message, callContext);
                if (pending.IsCompletedSuccessfully)
                {
                    response = pending.Result;
                }
                else
                {
                    var task = pending.AsTask();
                    try
                    {
                        // A handler that ignores the token must not hold the answer past the deadline.
                        response = await task.WaitAsync(token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!task.IsCompleted)
                    {
                        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                        throw;
                    }
                }
            }
            catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true)
            {
                GrpcLog.DeadlineExceeded(log, Path);
                WriteStatus(context, GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded");
                return;
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                GrpcLog.CallCancelled(log, Path);
                return;
            }
            catch (GrpcStatusException ex)
            {
                GrpcLog.StatusReturned(log, Path, ex.Status, ex.Message);
                WriteStatus(context, ex.Status, ex.Message);
                return;
            }
            catch (OperationCanceledException ex)
            {
                // Cancelled by something of the handler's own, neither the deadline nor the client.
                GrpcLog.HandlerFailed(log, Path, ex);
                WriteStatus(context, GrpcStatusCode.Cancelled, "Cancelled");
                return;
            }
            catch (Exception ex)
            {
                GrpcLog.HandlerFailed(log, Path, ex);
                WriteStatus(context, GrpcStatusCode.Internal, "Internal error");
                return;
            }

            if (response is null)
            {
                GrpcLog.NullResponse(log, Path);
                WriteStatus(context, GrpcStatusCode.Internal, "Internal error");
                return;
            }
            await WriteResponseAsync(context, response).ConfigureAwait(false);
        }

        private async ValueTask<(TRequest? Message, GrpcStatusCode Status, string? Detail)> ReadRequestAsync(System.IO.Pipelines.PipeReader reader, CancellationToken token)
        {
            while (true)
            {
                var result = await reader.ReadAsync(token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var frame = GrpcProtocol.TryReadFrame(buffer, options.MaxReceiveMessageSize, out var payload, out var frameLength);
                switch (frame)
                {
                    case GrpcProtocol.FrameResult.Complete:
                        try
                        {
                            if (buffer.Length > frameLength)
                            {
                                return (null, GrpcStatusCode.Internal, "Additional data after the message received.");
                            }
                            return (Parser.ParseFrom(payload), GrpcStatusCode.OK, null);
                        }
                        catch (InvalidProtocolBufferException)
                        {
                            return (null, GrpcStatusCode.Internal, "Failed to deserialize the request message.");
                        }
                        finally
                        {
                            reader.AdvanceTo(buffer.End);
                        }
                    case GrpcProtocol.FrameResult.Compressed:
                        reader.AdvanceTo(buffer.End);
                        return (null, GrpcStatusCode.Unimplemented, "Compressed messages are not supported; send grpc-encoding identity.");
                    case GrpcProtocol.FrameResult.InvalidFlag:
                        reader.AdvanceTo(buffer.End);
                        return (null, GrpcStatusCode.Internal, "Invalid Compressed-Flag in the message frame.");
                    case GrpcProtocol.FrameResult.TooLarge:
                        reader.AdvanceTo(buffer.End);
                        return (null, GrpcStatusCode.ResourceExhausted, $"Received message larger than max ({options.MaxReceiveMessageSize} bytes).");
                }
                if (result.IsCompleted)
                {
                    reader.AdvanceTo(buffer.End);
                    return (null, GrpcStatusCode.Internal, buffer.Length == 0 ? "The request has no message." : "Incomplete message.");
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }

        private static async Task WriteResponseAsync(HttpContext context, TResponse message)
        {
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-accept-encoding"] = "identity";
            var size = message.CalculateSize();
            var writer = response.BodyWriter;
            var span = writer.GetSpan(GrpcProtocol.FrameHeaderSize + size);
            GrpcProtocol.WriteFrameHeader(span, size);
            message.WriteTo(span.Slice(GrpcProtocol.FrameHeaderSize, size));
            writer.Advance(GrpcProtocol.FrameHeaderSize + size);
            response.AppendTrailer("grpc-status", "0");
            await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }

        private static TimeSpan Clamp(TimeSpan timeout)
        {
            // CancellationTokenSource accepts at most uint.MaxValue - 1 milliseconds; 8-digit hours exceed it.
            var max = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
            return timeout > max ? max : timeout;
        }

        private static void WriteStatusHeaders(HttpContext context, GrpcStatusCode status, string message)
        {
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = GrpcProtocol.EncodeMessage(message);
        }
    }
}

/// <summary>Marks an endpoint as a gRPC method.</summary>
internal sealed record GrpcMethodMetadata(string Service, string Method);
