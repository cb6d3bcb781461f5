namespace LocationServer.Core.Routing;

/// <summary>A fixed call destination: a SIP URI and the name shown to people (and in LoST displayName).</summary>
public sealed class RouteTarget
{
    /// <summary>SIP or SIPS URI calls are sent to. No default: must be configured.</summary>
    public string Uri { get; set; } = "";

    /// <summary>Display name. Default: empty (the URI is shown).</summary>
    public string Name { get; set; } = "";
}

/// <summary>Options of the emergency routing service, bound from the "Routing" configuration section.</summary>
public sealed class RoutingOptions
{
    public const string SectionName = "Routing";

    /// <summary>
    /// The emergency call relay centre (ECRC) for calls without a dispatchable location or without a PSAP
    /// boundary covering it. Required.
    /// </summary>
    public RouteTarget RelayCenter { get; set; } = new();

    /// <summary>The 933 test service (an IVR that reads back caller ID and address). Required.</summary>
    public RouteTarget TestService { get; set; } = new();

    /// <summary>How long an ELIN keeps pointing at the caller it stood for, in minutes. Default 60; 1 to 1440.</summary>
    public int CallbackWindowMinutes { get; set; } = 60;

    /// <summary>TCP port of the HTTP/2 cleartext gRPC listener. Default 8081.</summary>
    public int GrpcPort { get; set; } = 8081;

    /// <summary>Address the gRPC listener binds to. Default "127.0.0.1" (loopback: expose deliberately).</summary>
    public string GrpcAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Path of a PSAP boundary file loaded at start: GeoJSON FeatureCollection, or lines "id|name|sip-uri|WKT".
    /// Default: none (no boundaries; 911 calls go to the relay centre until boundaries are loaded).
    /// </summary>
    public string? PsapBoundaryFile { get; set; }

    /// <summary>
    /// How often <see cref="PsapBoundaryFile"/> is checked for changes, in seconds; a changed file is validated whole
    /// and swapped in, an invalid one is refused and the boundaries in force stay. 0 turns checking off. Default 30.
    /// </summary>
    public int PsapBoundaryReloadSeconds { get; set; } = 30;

    /// <summary>The callback window as a span.</summary>
    public TimeSpan CallbackWindow => TimeSpan.FromMinutes(CallbackWindowMinutes);

    /// <summary>Configuration errors, empty when the options are usable.</summary>
    public IEnumerable<string> Validate()
    {
        if (!IsSipUri(RelayCenter.Uri)) yield return "Routing:RelayCenter:Uri must be a sip: or sips: URI.";
        if (!IsSipUri(TestService.Uri)) yield return "Routing:TestService:Uri must be a sip: or sips: URI.";
        if (CallbackWindowMinutes is < 1 or > 1440) yield return "Routing:CallbackWindowMinutes must be between 1 and 1440.";
        if (PsapBoundaryReloadSeconds is < 0 or > 86_400) yield return "Routing:PsapBoundaryReloadSeconds must be between 0 and 86400.";
        if (GrpcPort is < 1 or > 65535) yield return "Routing:GrpcPort must be a TCP port.";
        if (!System.Net.IPAddress.TryParse(GrpcAddress, out _)) yield return "Routing:GrpcAddress must be an IP address.";
    }

    private static bool IsSipUri(string? uri) =>
        !string.IsNullOrWhiteSpace(uri) &&
        (uri.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("sips:", StringComparison.OrdinalIgnoreCase)) &&
        uri.Length > 5;
}
