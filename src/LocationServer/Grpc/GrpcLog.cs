using Microsoft.Extensions.Logging.Abstractions;

namespace LocationServer.Grpc;

/// <summary>Log catalogue of the unary gRPC layer (EventIds 2100-2199).</summary>
internal static partial class GrpcLog
{
    public static ILogger For(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger("LocationServer.Grpc") ?? NullLogger.Instance;

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "gRPC handler {Method} failed; answered INTERNAL")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "gRPC call {Method} ended with status {Status}: {Detail}")]
    public static partial void StatusReturned(ILogger logger, string method, GrpcStatusCode status, string detail);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "gRPC call {Method} exceeded its deadline")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Debug, Message = "gRPC call {Method} was cancelled by the client")]
    public static partial void CallCancelled(ILogger logger, string method);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "gRPC call {Method} carried an unparsable grpc-timeout; ignored")]
    public static partial void InvalidTimeout(ILogger logger, string method);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Error, Message = "gRPC handler {Method} returned no response message; answered INTERNAL")]
    public static partial void NullResponse(ILogger logger, string method);
}
