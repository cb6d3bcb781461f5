using System.Text.Json;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Wiremap;

namespace LocationServer.Data.Storage;

/// <summary>Converts between the domain records and table rows.</summary>
internal static class RowMapping
{
    public static string CivicToJson(CivicAddress address)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in address.Elements()) writer.WriteString(name, value);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static CivicAddress CivicFromJson(string json)
    {
        var address = new CivicAddress();
        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject())
            if (property.Value.ValueKind == JsonValueKind.String)
                CivicAddress.TrySet(address, property.Name, property.Value.GetString(), out address);
        return address;
    }

    public static string? ListToJson(IReadOnlyList<string>? values) =>
        values is null ? null : JsonSerializer.Serialize(values, StorageJsonContext.Default.IReadOnlyListString);

    public static IReadOnlyList<string>? ListFromJson(string? json) =>
        json is null ? null : JsonSerializer.Deserialize(json, StorageJsonContext.Default.IReadOnlyListString);

    public static void ToRows(
        TenantWiremap wiremap,
        out TenantRow tenant,
        out List<SiteRow> sites,
        out List<LocationRow> locations,
        out List<NetworkElementRow> elements,
        out List<DidRow> dids,
        out List<RequesterRow> requesters)
    {
        var t = wiremap.Tenant;
        var id = t.Id;
        tenant = new TenantRow { Id = id, Name = t.Name, CompanyUuid = t.CompanyUuid, DidFallback = t.DidFallback, CallbackNumber = t.CallbackNumber };
        sites = [.. wiremap.Sites.Select((s, i) => new SiteRow
        {
            TenantId = id,
            Id = s.Id,
            Ordinal = i,
            Name = s.Name,
            Civic = CivicToJson(s.Address),
            Latitude = s.Point?.Latitude,
            Longitude = s.Point?.Longitude,
            Altitude = s.Point?.Altitude,
            CallbackNumber = s.CallbackNumber,
            GeocodedVersion = s.GeocodedVersion,
            TeamsCivicAddressId = s.TeamsCivicAddressId,
            TeamsLocationId = s.TeamsLocationId,
        })];
        locations = [.. wiremap.Locations.Select((l, i) => new LocationRow
        {
            TenantId = id,
            Id = l.Id,
            Ordinal = i,
            SiteId = l.SiteId,
            Floor = l.Floor,
            Unit = l.Unit,
            Room = l.Room,
            Text = l.Text,
            Latitude = l.Point?.Latitude,
            Longitude = l.Point?.Longitude,
            Altitude = l.Point?.Altitude,
            Elins = ListToJson(l.Elins),
            CallbackNumber = l.CallbackNumber,
            GeocodedVersion = l.GeocodedVersion,
            TeamsLocationId = l.TeamsLocationId,
        })];
        elements = [.. wiremap.Elements.Select((e, i) => new NetworkElementRow
        {
            TenantId = id,
            Ordinal = i,
            Kind = (int)e.Kind,
            Value = e.Value,
            NormalizedValue = WiremapValidator.NormalizeElementValue(e.Kind, e.Value) ?? e.Value,
            LocationId = e.LocationId,
            SiteId = e.SiteId,
            OffPremises = e.OffPremises,
            Description = e.Description,
        })];
        dids = [.. wiremap.Dids.Select((d, i) => new DidRow
        {
            TenantId = id,
            Number = PhoneNumber.Normalize(d.Number) ?? d.Number,
            Ordinal = i,
            Value = d.Number,
            LocationId = d.LocationId,
            CallbackNumber = d.CallbackNumber,
            HeldCapable = d.HeldCapable,
            UserName = d.User,
        })];
        requesters = [.. wiremap.Requesters.Select((r, i) => new RequesterRow
        {
            TenantId = id,
            Name = r.Name,
            Ordinal = i,
            KeySha256 = r.KeySha256,
            SourceCidrs = ListToJson(r.SourceCidrs),
            ReferenceOnly = r.ReferenceOnly,
        })];
    }

    public static TenantWiremap FromRows(
        TenantRow tenant,
        IEnumerable<SiteRow> sites,
        IEnumerable<LocationRow> locations,
        IEnumerable<NetworkElementRow> elements,
        IEnumerable<DidRow> dids,
        IEnumerable<RequesterRow> requesters) =>
        new(
            new Tenant(tenant.Id, tenant.Name, tenant.CompanyUuid, tenant.DidFallback, tenant.CallbackNumber),
            [.. sites.OrderBy(s => s.Ordinal).Select(s => new Site(s.Id, s.Name, CivicFromJson(s.Civic), Point(s.Latitude, s.Longitude, s.Altitude), s.CallbackNumber) { GeocodedVersion = s.GeocodedVersion, TeamsCivicAddressId = s.TeamsCivicAddressId, TeamsLocationId = s.TeamsLocationId })],
            [.. locations.OrderBy(l => l.Ordinal).Select(l => new DispatchableLocation(
                l.Id, l.SiteId, l.Floor, l.Unit, l.Room, l.Text, Point(l.Latitude, l.Longitude, l.Altitude), ListFromJson(l.Elins), l.CallbackNumber) { GeocodedVersion = l.GeocodedVersion, TeamsLocationId = l.TeamsLocationId })],
            [.. elements.OrderBy(e => e.Ordinal).Select(e => new NetworkElement((ElementKind)e.Kind, e.Value, e.LocationId, e.SiteId, e.OffPremises, e.Description))],
            [.. dids.OrderBy(d => d.Ordinal).Select(d => new DidAssignment(d.Value, d.LocationId, d.CallbackNumber, d.HeldCapable, d.UserName))],
            [.. requesters.OrderBy(r => r.Ordinal).Select(r => new Requester(r.Name, r.KeySha256, ListFromJson(r.SourceCidrs), r.ReferenceOnly))]);

    private static GeoPoint? Point(double? latitude, double? longitude, double? altitude) =>
        latitude is { } lat && longitude is { } lon ? new GeoPoint(lat, lon, altitude) : null;

    public static CallRecordRow ToRow(CallRecord r) => new()
    {
        Id = r.Id,
        TenantId = r.TenantId,
        TimeUtc = r.TimeUtc,
        Dialed = r.Dialed,
        CallingNumber = r.CallingNumber,
        TokenHash = r.TokenHash,
        LocationSource = r.LocationSource,
        LocationId = r.LocationId,
        CivicDisplay = r.CivicDisplay,
        RouteKind = r.RouteKind,
        RouteUri = r.RouteUri,
        RouteName = r.RouteName,
        CallbackNumber = r.CallbackNumber,
        TestCall = r.TestCall,
        CallId = r.CallId,
        PolicyId = r.PolicyId,
    };

    public static CallRecord FromRow(CallRecordRow r) => new(
        r.Id, r.TenantId, r.TimeUtc, r.Dialed, r.CallingNumber, r.TokenHash, r.LocationSource, r.LocationId, r.CivicDisplay,
        r.RouteKind, r.RouteUri, r.RouteName, r.CallbackNumber, r.TestCall, r.CallId, r.PolicyId);

    public static ElinAssignment FromRow(ElinAssignmentRow r) => new(r.TenantId, r.Elin, r.CallerNumber, r.LocationId, r.AssignedUtc, r.ExpiresUtc);

    public static AlertTarget FromRow(AlertTargetRow r) =>
        new(r.Id, r.TenantId, r.Url, r.Kinds.Split(',', StringSplitOptions.RemoveEmptyEntries), r.Secret, r.Scope, r.ScopeId,
            r.Addresses is null ? null : [r.Url, .. r.Addresses.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

    public static StoredAlert FromRow(AlertRow r) => new(r.Id, r.TenantId, r.Kind, r.TimeUtc, r.Summary, r.AcknowledgedBy, r.AcknowledgedUtc);

    public static AlertDelivery FromRow(AlertDeliveryRow r) => new(
        r.Id, r.TargetId, r.TenantId, r.EventKind, r.Payload, r.Attempts, (AlertDeliveryStatus)r.Status, r.LastError,
        r.CreatedUtc, r.LastAttemptUtc, r.NextAttemptUtc, r.DeliveredUtc);

    public static void Apply(AlertDelivery d, AlertDeliveryRow row)
    {
        row.Id = d.Id;
        row.TargetId = d.TargetId;
        row.TenantId = d.TenantId;
        row.EventKind = d.EventKind;
        row.Payload = d.PayloadJson;
        row.Attempts = d.Attempts;
        row.Status = (int)d.Status;
        row.LastError = d.LastError;
        row.CreatedUtc = d.CreatedUtc;
        row.LastAttemptUtc = d.LastAttemptUtc;
        row.NextAttemptUtc = d.NextAttemptUtc;
        row.DeliveredUtc = d.DeliveredUtc;
    }

    public static UnknownNetworkEvent FromRow(UnknownNetworkEventRow r) => new(r.TenantId, r.DeviceKey, r.NetworkFingerprint, r.TimeUtc, r.Id, r.RequestCount, r.LastUtc);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class StorageJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
