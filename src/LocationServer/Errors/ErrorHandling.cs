using LocationServer.Data.Storage;
using LocationServer.Held;
using LocationServer.HeldHttp;
using Microsoft.AspNetCore.Diagnostics;

namespace LocationServer.Errors;

/// <summary>
/// The host's one path for failures no endpoint answered itself. HELD and location-URI requests get a HELD
/// <c>generalLisError</c> in HTTP 200 (RFC 5985 §8: HELD errors travel in 200, and Kamailio's client needs that);
/// LoST requests get a LoST <c>internalError</c> the same way; every other route gets RFC 9457 problem details:
/// 503 with Retry-After while the store is away, 500 otherwise. The exception is logged; the client never sees it.
/// </summary>
internal static partial class ErrorHandling
{
    /// <summary>Seconds a client is asked to wait when the store is away.</summary>
    public const int RetryAfterSeconds = 5;

    public static IServiceCollection AddErrorHandling(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<UnexpectedFailureHandler>();
        return services;
    }

    public static WebApplication UseErrorHandling(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>True for the HELD routes: <c>/held</c>, <c>/held/{tenant}</c>, <c>/loc/{token}</c>.</summary>
    public static bool IsHeld(PathString path) => path.StartsWithSegments("/held") || path.StartsWithSegments("/loc");

    internal sealed partial class UnexpectedFailureHandler(IProblemDetailsService problems, ILogger<UnexpectedFailureHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            var unavailable = exception is StorageUnavailableException;
            if (unavailable) Log.StoreUnavailable(logger, context.Request.Path, exception.Message);
            else Log.Unexpected(logger, context.Request.Path, exception);
            if (context.Response.HasStarted) return false;
            if (IsHeld(context.Request.Path))
            {
                context.Response.Clear();
                await HeldEndpoints.WriteErrorAsync(context, new HeldError(HeldErrorCode.GeneralLisError, unavailable
                    ? "The location server cannot reach its store just now; try again shortly."
                    : "The location server could not answer this request; try again.")).ConfigureAwait(false);
                return true;
            }
            if (context.Request.Path.StartsWithSegments("/lost"))
            {
                context.Response.Clear();
                var source = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Lost.LostOptions>>().Value.Source;
                var output = new System.Buffers.ArrayBufferWriter<byte>(512);
                LocationServer.Held.Lost.LostResponseWriter.WriteErrors(source, LocationServer.Held.Lost.LostErrorKind.InternalError, "The server could not answer this request; try again.", output);
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = Lost.LostEndpoints.ContentType;
                await context.Response.Body.WriteAsync(output.WrittenMemory, cancellationToken).ConfigureAwait(false);
                return true;
            }
            context.Response.Clear();
            context.Response.StatusCode = unavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
            if (unavailable) context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails =
                {
                    Status = context.Response.StatusCode,
                    Title = unavailable ? "The store is unavailable; nothing was changed. Retry later." : "The server could not complete the request.",
                },
            }).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, Level = LogLevel.Error, Message = "Unexpected failure answering {Path}")]
        public static partial void Unexpected(ILogger logger, PathString path, Exception exception);

        [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Store unavailable answering {Path}: {Reason}")]
        public static partial void StoreUnavailable(ILogger logger, PathString path, string reason);
    }
}
