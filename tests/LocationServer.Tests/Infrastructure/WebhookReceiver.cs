using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocationServer.Tests.Infrastructure;

/// <summary>
/// A real webhook endpoint (Kestrel on a random loopback port): records every POST to <c>/{name}</c> with its body
/// and headers, counts the POSTs per name, and answers as the test says.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication? _app;

    private WebhookReceiver()
    {
    }

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentQueue<(string Path, string Body, Dictionary<string, string> Headers)> Received { get; } = new();

    public ConcurrentDictionary<string, int> Hits { get; } = new();

    /// <summary>Starts a receiver; <paramref name="respond"/> gets the name, the POSTs to it so far (this one included) and the request.</summary>
    public static async Task<WebhookReceiver> StartAsync(Func<string, int, HttpContext, Task<IResult>> respond)
    {
        var receiver = new WebhookReceiver();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/{name}", async (string name, HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var hit = receiver.Hits.AddOrUpdate(name, 1, (_, n) => n + 1);
            receiver.Received.Enqueue((name, body, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            return await respond(name, hit, context);
        });
        await app.StartAsync();
        receiver._app = app;
        receiver.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return receiver;
    }

    /// <summary>The URL of the webhook <paramref name="name"/>.</summary>
    public Uri Url(string name) => new(BaseAddress, "/" + name);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }
}
