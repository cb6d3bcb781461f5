using LocationServer;
using LocationServer.Admin;
using LocationServer.Cli;
using LocationServer.Health;
using LocationServer.Held;
using LocationServer.Routing;
using LocationServer.Telemetry;
using LocationServer.Wiremap;

var builder = WebApplication.CreateBuilder(args);
builder.ConfigureRoutingListener();
builder.AddLocationServerTelemetry();
builder.Services.AddLocationServerCore(builder.Configuration);
builder.Services.AddHeld(builder.Configuration);
builder.Services.AddAdmin(builder.Configuration);
builder.Services.AddRoutingService(builder.Configuration);
builder.Services.AddOpenApi();

var app = builder.Build();
if (CliCommands.IsCommand(args)) return await CliCommands.RunAsync(app, args).ConfigureAwait(false);

await app.PrepareStorageAsync().ConfigureAwait(false);
app.MapOpenApi();
app.MapHealth();
app.MapHeld();
app.MapAdmin();
app.MapLost();
app.MapCallRecords();
app.MapRoutingGrpc();
await app.RunAsync().ConfigureAwait(false);
return 0;

/// <summary>Entry point, visible to the host tests.</summary>
public partial class Program;
