using LocationServer.Core.Matching;

namespace LocationServer.Routing;

/// <summary>Renders a PIDF-LO (RFC 4119, RFC 5491) for a location; provided by the HELD writer.</summary>
internal interface IPidfLoRenderer
{
    string Render(ResolvedLocation location, string method);
}
