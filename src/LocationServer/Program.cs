using LocationServer;
using LocationServer.Admin;
using LocationServer.Cli;
using LocationServer.Errors;
using LocationServer.Grpc;
using LocationServer.Health;
using LocationServer.HeldHttp;
using LocationServer.Hosting;
using LocationServer.Locating.Configuration;
using LocationServer.Lost;
using LocationServer.Routing;
using LocationServer.Telemetry;

var command = CommandLine.Parse(args);
if (await CliCommands.AnswerWithoutRunningAsync(command).ConfigureAwait(false) is { } answered) return answered;
var builder = WebApplication.CreateBuilder(ContentRoot.Options(command.Settings));
// A command's standard output is its result (a key, a wiremap): logs go to standard error.
if (command.IsCommand) builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.ResolveDataPaths();
builder.AddConnectionLimits();
builder.AddTrustedProxies();
builder.ConfigureRoutingListener();
builder.AddLocationServerTelemetry();
builder.Services.AddLocationServerCore(builder.Configuration);
builder.Services.AddHeld(builder.Configuration);
builder.Services.AddAdmin(builder.Configuration);
builder.Services.AddRoutingService(builder.Configuration);
builder.Services.AddOpenApi();
builder.Services.AddErrorHandling();

var app = builder.Build();
if (command.IsCommand) return await CliCommands.RunAsync(app, command).ConfigureAwait(false);

if (ValidatedOptions.Failures(app.Services) is { Count: > 0 } invalid)
{
    // A misconfigured service must not start: say which settings are wrong, without a stack trace.
    await Console.Error.WriteLineAsync("LocationServer cannot start; the configuration is invalid:\n  " + string.Join("\n  ", invalid)).ConfigureAwait(false);
    return 2;
}
await app.PrepareStorageAsync().ConfigureAwait(false);
app.UseErrorHandling();
app.MapOpenApi();
app.MapHealth();
app.MapHeld();
app.MapAdmin();
app.MapLost();
app.MapCallRecords();
app.MapAlertFeed();
app.MapRoutingGrpc();
try
{
    await app.RunAsync().ConfigureAwait(false);
}
catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    // Another process holds a port this configuration names: a start-up failure, not a crash with a stack trace.
    await Console.Error.WriteLineAsync($"LocationServer cannot start: {e.Message} Free the port or choose another: Kestrel:Endpoints:Http:Url (HTTP), Routing:GrpcPort or Kestrel:Endpoints:Grpc:Url (gRPC).").ConfigureAwait(false);
    return 2;
}
return 0;

/// <summary>Entry point, visible to the host tests.</summary>
public partial class Program;
