using System.Net.Http.Headers;

namespace LocationServer.Tests.Infrastructure;

/// <summary>
/// An administrator's client: adds <c>Authorization: Bearer KEY</c> to requests under <c>/admin</c> that carry none,
/// and leaves every other request (HELD, whose requesters authenticate with their own bearer keys) as it is.
/// </summary>
public sealed class AdminBearer(string key) : DelegatingHandler
{
    /// <summary>The <c>Admin:ApiKey</c> the PostgreSQL-backed test deployments are configured with (loopback is no admin there).</summary>
    public const string TestKey = "test-break-glass-admin-key-0123456789";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } uri && request.Headers.Authorization is null
            && (uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString).StartsWith("/admin", StringComparison.Ordinal))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return base.SendAsync(request, cancellationToken);
    }
}
