using System.Buffers;
using LocationServer.Held;
using LocationServer.Locating.Configuration;
using LocationServer.Locating.Held;
using Microsoft.Net.Http.Headers;
using MediaTypeHeaderValue = Microsoft.Net.Http.Headers.MediaTypeHeaderValue;

namespace LocationServer.HeldHttp;

/// <summary>The HELD HTTP binding (RFC 5985 §8) and location URI dereference (RFC 6753).</summary>
internal static class HeldEndpoints
{
    public const string HeldContentType = "application/held+xml;charset=utf-8";
    public const string PidfContentType = "application/pidf+xml;charset=utf-8";

    public static IServiceCollection AddHeld(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<HeldOptions>(configuration, HeldOptions.Section);
        services.AddSingleton<HeldService>();
        services.AddSingleton<LocationResponseTemplates>();
        services.AddSingleton<DereferenceService>();
        return services;
    }

    public static IEndpointRouteBuilder MapHeld(this IEndpointRouteBuilder app)
    {
        app.MapPost("/held", (HttpContext context, HeldService service) => HandleHeldAsync(context, service, null))
            .WithName("HeldLocationRequest").WithTags("HELD").ExcludeFromDescription();
        app.MapPost("/held/{tenant}", (HttpContext context, HeldService service, string tenant) => HandleHeldAsync(context, service, tenant))
            .WithName("HeldLocationRequestForTenant").WithTags("HELD").ExcludeFromDescription();
        app.MapMethods("/held", ["GET", "HEAD"], () => Results.Text(
            "This is a HELD location information server (RFC 5985). POST application/held+xml here.", "text/plain")).ExcludeFromDescription();
        app.MapGet("/loc/{token}", (HttpContext context, DereferenceService service, string token) => service.HandleGetAsync(context, token))
            .WithName("DereferenceGet").WithTags("HELD").ExcludeFromDescription();
        app.MapPost("/loc/{token}", (HttpContext context, DereferenceService service, string token) => service.HandlePostAsync(context, token))
            .WithName("DereferencePost").WithTags("HELD").ExcludeFromDescription();
        return app;
    }

    private static async Task HandleHeldAsync(HttpContext context, HeldService service, string? tenant)
    {
        if (CheckHttpPreconditions(context) is { } status)
        {
            context.Response.StatusCode = status;
            return;
        }
        var parsed = await ReadRequestAsync(context).ConfigureAwait(false);
        if (parsed.Error is { } parseError)
        {
            await WriteErrorAsync(context, parseError).ConfigureAwait(false);
            return;
        }
        var answer = await service.LocateAsync(context, parsed.Request!, tenant, context.RequestAborted).ConfigureAwait(false);
        await WriteAnswerAsync(context, answer).ConfigureAwait(false);
    }

    /// <summary>Reads and parses the body under the size cap; never throws for bad input.</summary>
    public static async Task<HeldParseResult> ReadRequestAsync(HttpContext context)
    {
        var max = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<HeldOptions>>().Value.MaxRequestBytes;
        if (context.Request.ContentLength > max)
            return HeldParseResult.Failure(new HeldError(HeldErrorCode.XmlError, $"The request is larger than {max} bytes."));
        return await HeldRequestReader.ParseAsync(context.Request.Body, max, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// RFC 5985 §8: 406 for a missing or wrong content type or an Accept that excludes HELD, 412 for conditional
    /// requests, 501 for Expect and Range. Everything else is answered in HELD, in a 200.
    /// </summary>
    public static int? CheckHttpPreconditions(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers.ContainsKey(HeaderNames.Range) || headers.ContainsKey(HeaderNames.Expect)) return StatusCodes.Status501NotImplemented;
        if (headers.ContainsKey(HeaderNames.IfMatch) || headers.ContainsKey(HeaderNames.IfNoneMatch) ||
            headers.ContainsKey(HeaderNames.IfModifiedSince) || headers.ContainsKey(HeaderNames.IfUnmodifiedSince) ||
            headers.ContainsKey(HeaderNames.IfRange))
            return StatusCodes.Status412PreconditionFailed;
        if (!IsHeldContentType(context.Request.ContentType)) return StatusCodes.Status406NotAcceptable;
        if (!Accepts(context, "application/held+xml")) return StatusCodes.Status406NotAcceptable;
        return null;
    }

    /// <summary>application/held+xml, with no charset or UTF-8 (RFC 5985 §5).</summary>
    private static bool IsHeldContentType(string? value)
    {
        // The spellings clients send, without parsing; anything else is parsed.
        if (string.Equals(value, HeldContentType, StringComparison.OrdinalIgnoreCase) ||
            string.Equals(value, "application/held+xml", StringComparison.OrdinalIgnoreCase))
            return true;
        if (!MediaTypeHeaderValue.TryParse(value, out var contentType) ||
            !contentType.MediaType.Equals("application/held+xml", StringComparison.OrdinalIgnoreCase))
            return false;
        return !contentType.Charset.HasValue || contentType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True when the Accept header (absent = anything) allows the media type.</summary>
    public static bool Accepts(HttpContext context, string mediaType) => Quality(context, mediaType) > 0;

    /// <summary>The q-value the client's Accept header gives a media type (1 when there is no Accept header).</summary>
    public static double Quality(HttpContext context, string mediaType)
    {
        var accept = context.Request.Headers.Accept;
        if (accept.Count == 0) return 1;
        // A lone media range naming the type, or any type, without parameters: quality 1, without parsing.
        if (accept.Count == 1 && (string.Equals(accept[0], mediaType, StringComparison.OrdinalIgnoreCase) || accept[0] == "*/*")) return 1;
        if (!MediaTypeHeaderValue.TryParseList(accept, out var values) || values.Count == 0) return 1;
        var target = new MediaTypeHeaderValue(mediaType);
        double best = 0;
        var bestSpecificity = -1;
        foreach (var value in values)
        {
            if (!target.IsSubsetOf(value)) continue;
            var specificity = value.MatchesAllTypes ? 0 : value.MatchesAllSubTypes ? 1 : 2;
            if (specificity > bestSpecificity)
            {
                bestSpecificity = specificity;
                best = value.Quality ?? 1;
            }
        }
        return best;
    }

    public static Task WriteErrorAsync(HttpContext context, HeldError error)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        HeldResponseWriter.WriteError(error, buffer);
        return WriteBodyAsync(context, buffer, HeldContentType);
    }

    public static Task WriteAnswerAsync(HttpContext context, HeldAnswer answer)
    {
        if (answer.HttpStatus != StatusCodes.Status200OK)
        {
            context.Response.StatusCode = answer.HttpStatus;
            if (answer.Challenge is not null) context.Response.Headers.WWWAuthenticate = answer.Challenge;
            return Task.CompletedTask;
        }
        if (answer.Error is { } error) return WriteErrorAsync(context, error);
        return WriteLocationResponseAsync(context, answer.Response!);
    }

    /// <summary>
    /// Writes a locationResponse: from the template of answers like it when there is one (the rendered document with
    /// this answer's entity and tokens spliced in, straight into the response body), else in full.
    /// </summary>
    public static Task WriteLocationResponseAsync(HttpContext context, LocationResponse response)
    {
        if (context.RequestServices.GetRequiredService<LocationResponseTemplates>().For(response) is { } template)
        {
            var http = context.Response;
            SetBodyHeaders(http, template.LengthFor(response), HeldContentType);
            template.WriteTo(response, http.BodyWriter);
            var flushed = http.BodyWriter.FlushAsync(context.RequestAborted);
            return flushed.IsCompletedSuccessfully ? Task.CompletedTask : flushed.AsTask();
        }
        var buffer = new ArrayBufferWriter<byte>(2048);
        HeldResponseWriter.WriteLocationResponse(response, buffer);
        return WriteBodyAsync(context, buffer, HeldContentType);
    }

    public static async Task WriteBodyAsync(HttpContext context, ArrayBufferWriter<byte> buffer, string contentType)
    {
        var response = context.Response;
        SetBodyHeaders(response, buffer.WrittenCount, contentType);
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private static void SetBodyHeaders(HttpResponse response, int length, string contentType)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        response.ContentLength = length;
        // Location must not sit in shared caches (RFC 5985 §8).
        response.Headers.CacheControl = "no-store";
    }
}
