namespace LocationServer.Grpc;

/// <summary>gRPC status codes (grpc/doc/statuscodes.md); the wire value is the number.</summary>
internal enum GrpcStatusCode
{
    OK = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

/// <summary>
/// Thrown by a handler to end a call with a status other than OK (the counterpart of Grpc.Core's RpcException):
/// the message reaches the client in <c>grpc-message</c>, so it must not carry secrets or device identifiers.
/// </summary>
internal sealed class GrpcStatusException : Exception
{
    public GrpcStatusException(GrpcStatusCode status, string message)
        : base(message)
    {
        Status = status;
    }

    public GrpcStatusException()
        : this(GrpcStatusCode.Unknown, "Unknown error")
    {
    }

    public GrpcStatusException(string message)
        : this(GrpcStatusCode.Unknown, message)
    {
    }

    public GrpcStatusException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = GrpcStatusCode.Unknown;
    }

    public GrpcStatusCode Status { get; }
}
