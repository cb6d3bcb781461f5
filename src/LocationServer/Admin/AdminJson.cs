using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LocationServer.Admin;

/// <summary>
/// Reads admin request bodies inside the endpoint, after authorization, so an anonymous caller learns nothing from
/// how its body was judged, and a bad body gets a problem document saying what is wrong (RFC 9457) rather than an
/// empty 400 or 415.
/// </summary>
internal static class AdminJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request)
    {
        if (!request.HasJsonContentType())
            return (default, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The body must be application/json."));
        try
        {
            var value = await request.ReadFromJsonAsync<T>(Options, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return value is null
                ? (default, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is empty or null."))
                : (value, null);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            return (default, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not the expected JSON" + where + ".", detail: e.Message));
        }
    }
}
