using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using LocationServer.Errors;
using LocationServer.Locating.Wiremap;

namespace LocationServer.Admin;

/// <summary>
/// What the security desk and administrators watch: networks the wiremap does not know (with "adopt", which adds
/// the element the network was seen by), the addresses users entered on such networks (removable), and the log of
/// alert deliveries to webhooks and mail.
/// </summary>
internal static class OperationsEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    /// <summary>How many stored unknown-network intervals a listing reads at most.</summary>
    public const int MaxIntervals = 10_000;
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(30);

    public static RouteGroupBuilder MapOperations(this RouteGroupBuilder admin)
    {
        admin.MapGet("/tenants/{tenant}/unknown-networks", async (string tenant, string? since, int? limit, WiremapIndexHolder holder, WiremapStore store, TimeProvider time, CancellationToken ct) =>
            {
                if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
                if (limit is < 1 or > MaxLimit) return Problems.Invalid($"limit: must lie between 1 and {MaxLimit}");
                var from = time.GetUtcNow() - DefaultWindow;
                if (!string.IsNullOrWhiteSpace(since) && !DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out from))
                    return Problems.Invalid("since: not an ISO 8601 date-time");
                var intervals = await store.ListUnknownNetworkEventsAsync(index.Tenant.Id, from.UtcDateTime, MaxIntervals, ct).ConfigureAwait(false);
                var networks = intervals.GroupBy(e => e.NetworkFingerprint, StringComparer.Ordinal)
                    .Select(g => new UnknownNetworkView(
                        g.Key,
                        [.. g.Select(e => e.DeviceKey).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                        DateTime.SpecifyKind(g.Min(e => e.TimeUtc), DateTimeKind.Utc),
                        DateTime.SpecifyKind(g.Max(e => e.LastUtc ?? e.TimeUtc), DateTimeKind.Utc),
                        g.Sum(e => e.RequestCount),
                        Suggest(g.Key) is { } element ? new AdoptableElement(element.Kind.ToString(), element.Value) : null))
                    .OrderByDescending(n => n.LastSeen).Take(limit ?? DefaultLimit).ToList();
                return TypedResults.Ok(networks);
            })
            .WithAdminAccess(AdminAccess.SecurityRead)
            .WithSummary("Networks devices asked from that the wiremap does not know (default: the last 30 days), latest first: devices, first/last seen, request count, and the element adopting it would add.")
            .Produces<List<UnknownNetworkView>>().ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapPost("/tenants/{tenant}/unknown-networks/adopt", async (string tenant, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
            {
                if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
                var (body, problem) = await AdminJson.ReadAsync<AdoptNetworkRequest>(context.Request).ConfigureAwait(false);
                if (problem is not null) return problem;
                if (Suggest(body!.Network) is not { } element) return Problems.Invalid("/network: not a network as listed by unknown-networks (gw:…, ap:… or net:…)");
                if ((body.LocationId is null) == (body.SiteId is null)) return Problems.Invalid("/locationId: name exactly one of locationId and siteId");
                var caller = AdminCaller.From(context.User)!;
                var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
                {
                    if (wiremap is null) return Task.FromResult(WiremapChange<NetworkElement>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                    var siteId = body.SiteId;
                    if (body.LocationId is not null)
                    {
                        var location = wiremap.Locations.FirstOrDefault(l => l.Id == body.LocationId);
                        if (location is null) return Task.FromResult(WiremapChange<NetworkElement>.Refuse(WiremapRefusalKind.Invalid, $"/locationId: no location '{body.LocationId}' in tenant '{index.Tenant.Id}'"));
                        siteId = location.SiteId;
                    }
                    else if (wiremap.Sites.All(s => s.Id != siteId)) return Task.FromResult(WiremapChange<NetworkElement>.Refuse(WiremapRefusalKind.Invalid, $"/siteId: no site '{siteId}' in tenant '{index.Tenant.Id}'"));
                    // A site manager adopts into its own sites only: the site comes from the body, not the route.
                    if (!caller.MaySite(index.Tenant.Id, siteId))
                        return Task.FromResult(WiremapChange<NetworkElement>.Refuse(WiremapRefusalKind.Forbidden, $"{caller.Describe()} may not change site '{siteId}'."));
                    var adopted = element with { LocationId = body.LocationId, SiteId = body.LocationId is null ? siteId : null, Description = body.Description ?? $"adopted from unknown network {body.Network}" };
                    if (wiremap.Elements.Any(e => e.Kind == adopted.Kind && SameValue(e.Value, adopted.Value)))
                        return Task.FromResult(WiremapChange<NetworkElement>.Refuse(WiremapRefusalKind.Conflict, $"{adopted.Kind} {adopted.Value} is already an element of tenant '{index.Tenant.Id}'."));
                    return Task.FromResult(WiremapChange<NetworkElement>.Store(wiremap with { Elements = [.. wiremap.Elements, adopted] }, adopted));
                }, ct).ConfigureAwait(false);
                if (WiremapObjectHttp.Refusal(outcome, context.Response) is { } refused) return refused;
                var adoptedElement = outcome.Result!;
                var view = new AdoptedNetwork(body.Network!, adoptedElement.Kind.ToString(), adoptedElement.Value, adoptedElement.LocationId, adoptedElement.SiteId, outcome.Version);
                AdminAudit.RecordObject(context, index.Tenant.Id, body.Network);
                AdminAudit.RecordAfter(context, view);
                return TypedResults.Created($"/admin/tenants/{index.Tenant.Id}/wiremap", view);
            })
            .WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("network.adopt")
            .Accepts<AdoptNetworkRequest>("application/json")
            .WithSummary("Adopt an unknown network: add its element (gateway MAC, BSSID, or subnet / public range) to the wiremap at a location or site.")
            .Produces<AdoptedNetwork>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapGet("/tenants/{tenant}/nomadic-addresses", async (string tenant, int? offset, int? limit, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
            {
                if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
                if (limit is < 1 or > MaxLimit || offset is < 0) return Problems.Invalid($"limit: must lie between 1 and {MaxLimit}; offset: at least 0");
                var page = await store.ListNomadicAsync(index.Tenant.Id, offset ?? 0, limit ?? DefaultLimit, ct).ConfigureAwait(false);
                return TypedResults.Ok(page.Select(n => new NomadicAddressView(n.DeviceKey, n.NetworkFingerprint,
                    n.Address.Elements().ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal), n.CreatedUtc, n.UpdatedUtc)).ToList());
            })
            .WithAdminAccess(AdminAccess.SecurityRead)
            .WithSummary("User-entered (nomadic) addresses of the tenant, most recently updated first (offset, limit).")
            .Produces<List<NomadicAddressView>>().ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapDelete("/tenants/{tenant}/nomadic-addresses", async (string tenant, string? device, string? network, HttpContext context, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
            {
                if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
                if (string.IsNullOrEmpty(device) || string.IsNullOrEmpty(network)) return Problems.Invalid("device and network: both required, as listed");
                AdminAudit.RecordObject(context, index.Tenant.Id, $"{device} on {network}");
                return await store.DeleteNomadicAsync(index.Tenant.Id, device, network, ct).ConfigureAwait(false)
                    ? Results.NoContent()
                    : Problems.NotFound("No address entered for this device on this network.");
            })
            .WithAdminAccess(AdminAccess.TenantWrite).WithAuditKind("nomadic.remove")
            .WithSummary("Remove a user-entered address (the device is asked for one again on that network).")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapGet("/tenants/{tenant}/alert-deliveries", async (string tenant, string? status, int? limit, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
            {
                if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
                if (limit is < 1 or > MaxLimit) return Problems.Invalid($"limit: must lie between 1 and {MaxLimit}");
                AlertDeliveryStatus? wanted = null;
                if (!string.IsNullOrEmpty(status))
                {
                    if (!Enum.TryParse<AlertDeliveryStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed)) return Problems.Invalid("status: pending, delivered or failed");
                    wanted = parsed;
                }
                var deliveries = await store.ListTenantAlertDeliveriesAsync(index.Tenant.Id, wanted, limit ?? DefaultLimit, ct).ConfigureAwait(false);
                return TypedResults.Ok(deliveries.Select(d => new AlertDeliveryView(d.Id, d.TargetId, d.EventKind, d.Status.ToString().ToLowerInvariant(), d.Attempts, d.LastError,
                    d.CreatedUtc, d.LastAttemptUtc, d.NextAttemptUtc, d.DeliveredUtc)).ToList());
            })
            .WithAdminAccess(AdminAccess.SecurityRead)
            .WithSummary("The alert delivery log: each alert to each target, newest first, with attempts, outcome and last error (status filter).")
            .Produces<List<AlertDeliveryView>>().ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    /// <summary>
    /// The element that would recognise a network as listed: a gateway MAC, a BSSID, or the /24 (/56) the server saw
    /// the requests from — a subnet when that range is private, a public range (behind NAT) otherwise.
    /// </summary>
    internal static NetworkElement? Suggest(string? network)
    {
        if (network is null) return null;
        if (network.StartsWith("gw:", StringComparison.Ordinal) && MacAddress.TryParse(network.AsSpan(3), out var gateway))
            return new NetworkElement(ElementKind.GatewayMac, gateway.ToDashString());
        if (network.StartsWith("ap:", StringComparison.Ordinal) && MacAddress.TryParse(network.AsSpan(3), out var bssid))
            return new NetworkElement(ElementKind.Bssid, bssid.ToDashString());
        var parts = network.Split(':', '/');
        if (parts is not ["net", "4" or "6", var hex, var length] || !UInt128.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var number)
            || !int.TryParse(length, CultureInfo.InvariantCulture, out var bits)) return null;
        Span<byte> bytes = stackalloc byte[16];
        IPAddress address;
        if (parts[1] == "4")
        {
            if (number > uint.MaxValue || bits is < 0 or > 32) return null;
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)number);
            address = new IPAddress(bytes[..4]);
        }
        else
        {
            if (bits is < 0 or > 128) return null;
            BinaryPrimitives.WriteUInt128BigEndian(bytes, number);
            address = new IPAddress(bytes);
        }
        var kind = IsPrivate(address) ? ElementKind.Subnet : ElementKind.PublicIp;
        return new NetworkElement(kind, $"{address}/{bits.ToString(CultureInfo.InvariantCulture)}");
    }

    private static bool SameValue(string a, string b) =>
        MacAddress.TryParse(a, out var x) && MacAddress.TryParse(b, out var y)
            ? x.ToDashString() == y.ToDashString()
            : IpPrefix.TryParse(a, out var p) && IpPrefix.TryParse(b, out var q) ? p == q : string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static bool IsPrivate(IPAddress address)
    {
        if (IPAddress.IsLoopback(address) || address.IsIPv6UniqueLocal || address.IsIPv6LinkLocal) return true;
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return false;
        var b = address.GetAddressBytes();
        return b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && b[1] is >= 64 and <= 127) || (b[0] == 169 && b[1] == 254);
    }
}

/// <summary>A network the wiremap does not know, as seen over the listing window.</summary>
/// <param name="Network">The network as HELD saw it: <c>gw:</c> gateway MAC, <c>ap:</c> serving BSSID, or <c>net:</c> the requests' /24 (/56).</param>
/// <param name="Devices">The devices that first asked in each counted interval.</param>
/// <param name="Count">Requests from the network.</param>
/// <param name="Adopt">The element adopting it would add.</param>
internal sealed record UnknownNetworkView(string Network, IReadOnlyList<string> Devices, DateTime FirstSeen, DateTime LastSeen, int Count, AdoptableElement? Adopt);

/// <summary>The wiremap element a network would be recognised by.</summary>
internal sealed record AdoptableElement(string Kind, string Value);

/// <summary>Where an adopted network is: exactly one of a location or a site.</summary>
internal sealed record AdoptNetworkRequest(string? Network, string? LocationId, string? SiteId, string? Description);

/// <summary>The element added by adopting a network, and the wiremap version that holds it.</summary>
internal sealed record AdoptedNetwork(string Network, string Kind, string Value, string? LocationId, string? SiteId, long Version);

/// <summary>An address a user entered for a device on a network (RFC 5139 element names as keys).</summary>
internal sealed record NomadicAddressView(string Device, string Network, IReadOnlyDictionary<string, string> Address, DateTime CreatedUtc, DateTime UpdatedUtc);

/// <summary>One alert to one target: attempts, outcome and the last error.</summary>
internal sealed record AlertDeliveryView(Guid Id, Guid TargetId, string Event, string Status, int Attempts, string? LastError, DateTime CreatedUtc,
    DateTime? LastAttemptUtc, DateTime NextAttemptUtc, DateTime? DeliveredUtc);
