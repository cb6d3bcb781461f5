namespace LocationServer.Errors;

/// <summary>
/// The JSON routes' refusals as RFC 9457 problem details: <c>title</c> says what happened, <c>errors</c> lists each
/// problem (with its JSON path or line where there is one), and a 503 carries Retry-After.
/// </summary>
internal static class Problems
{
    public static IResult Invalid(IEnumerable<string> errors) => Results.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "The request is invalid; nothing was changed.",
        extensions: new Dictionary<string, object?> { ["errors"] = errors.ToArray() });

    public static IResult Invalid(string error) => Invalid([error]);

    public static IResult NotFound(string detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: detail);

    public static IResult UnknownTenant(string tenant) => NotFound($"Unknown tenant '{tenant}'.");

    public static IResult Unavailable(IEnumerable<string> errors) => new UnavailableResult([.. errors]);

    /// <summary>503 with Retry-After: the store is away and nothing was changed.</summary>
    private sealed class UnavailableResult(string[] errors) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = ErrorHandling.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The store is unavailable; nothing was changed. Retry later.",
                extensions: new Dictionary<string, object?> { ["errors"] = errors }).ExecuteAsync(httpContext);
        }
    }
}
