using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Xml;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;

namespace LocationServer.Held;

/// <summary>How the <c>responseTime</c> attribute was given (RFC 5985 §6.1).</summary>
public enum ResponseTimeKind
{
    /// <summary>Attribute absent: the most precise location, however long it takes.</summary>
    None,
    /// <summary><c>emergencyRouting</c>: speed first, good enough to route the call.</summary>
    EmergencyRouting,
    /// <summary><c>emergencyDispatch</c>: precision first, good enough to dispatch responders.</summary>
    EmergencyDispatch,
    /// <summary>A non-negative number of milliseconds (a hint).</summary>
    Milliseconds,
}

/// <summary>The <c>responseTime</c> attribute (RFC 5985 §6.1); <see cref="Ms"/> is set only for <see cref="ResponseTimeKind.Milliseconds"/>.</summary>
public readonly record struct ResponseTime(ResponseTimeKind Kind, int? Ms = null)
{
    public static ResponseTime None => default;
}

/// <summary>A requested location type (RFC 5985 §6.2). "any" is an empty list.</summary>
public enum LocationType
{
    Civic,
    Geodetic,
    LocationUri,
}

/// <summary>RFC 6155 §3 identifier element kinds.</summary>
public enum DeviceIdentifierKind
{
    Ip,
    Mac,
    UdpPort,
    TcpPort,
    SctpPort,
    DccpPort,
    Nai,
    Uri,
    Fqdn,
    Duid,
    Msisdn,
    Imsi,
    Imei,
    Min,
    Mdn,
}

/// <summary>
/// One RFC 6155 identifier with its normalised value: IP addresses in canonical text, MACs in dash form, URIs with any
/// display name stripped, DUIDs in lower-case hex.
/// </summary>
public sealed record DeviceIdentifier(DeviceIdentifierKind Kind, string Value)
{
    /// <summary>The RFC 6155 element name for <paramref name="kind"/> (e.g. "udpport").</summary>
    public static string ElementName(DeviceIdentifierKind kind) => kind switch
    {
        DeviceIdentifierKind.Ip => "ip",
        DeviceIdentifierKind.Mac => "mac",
        DeviceIdentifierKind.UdpPort => "udpport",
        DeviceIdentifierKind.TcpPort => "tcpport",
        DeviceIdentifierKind.SctpPort => "sctpport",
        DeviceIdentifierKind.DccpPort => "dccpport",
        DeviceIdentifierKind.Nai => "nai",
        DeviceIdentifierKind.Uri => "uri",
        DeviceIdentifierKind.Fqdn => "fqdn",
        DeviceIdentifierKind.Duid => "duid",
        DeviceIdentifierKind.Msisdn => "msisdn",
        DeviceIdentifierKind.Imsi => "imsi",
        DeviceIdentifierKind.Imei => "imei",
        DeviceIdentifierKind.Min => "min",
        DeviceIdentifierKind.Mdn => "mdn",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

/// <summary>
/// The RFC 6155 §2.2 <c>device</c> element: identifiers in document order plus typed shortcuts to the first IP, MAC
/// and URI. Sent back in a response it lists the identifiers the LIS actually used.
/// </summary>
public sealed record DeviceIdentity(IReadOnlyList<DeviceIdentifier> Identifiers)
{
    public IPAddress? Ip { get; init; }
    public MacAddress? Mac { get; init; }
    public string? Uri { get; init; }

    /// <summary>Builds an identity from identifiers, filling the typed shortcuts.</summary>
    public static DeviceIdentity From(IReadOnlyList<DeviceIdentifier> identifiers)
    {
        ArgumentNullException.ThrowIfNull(identifiers);
        IPAddress? ip = null;
        MacAddress? mac = null;
        string? uri = null;
        foreach (var id in identifiers)
        {
            switch (id.Kind)
            {
                case DeviceIdentifierKind.Ip when ip is null && IPAddress.TryParse(id.Value, out var a): ip = a; break;
                case DeviceIdentifierKind.Mac when mac is null && MacAddress.TryParse(id.Value, out var m): mac = m; break;
                case DeviceIdentifierKind.Uri when uri is null: uri = id.Value; break;
            }
        }
        return new DeviceIdentity(identifiers) { Ip = ip, Mac = mac, Uri = uri };
    }
}

/// <summary>RFC 7105 §5.2 DHCP relay agent information as the device reported it; hex fields decoded.</summary>
public sealed record DhcpRelayInfo(IPAddress Giaddr, byte[]? Circuit, byte[]? Remote, uint? RemoteEnterprise);

/// <summary>A parsed HELD <c>locationRequest</c> (RFC 5985 §6) with the extensions this LIS understands.</summary>
public sealed record HeldRequest
{
    public ResponseTime ResponseTime { get; init; }

    /// <summary>Requested types in request order without duplicates; empty means "any" (RFC 5985 §6.2).</summary>
    public IReadOnlyList<LocationType> LocationTypes { get; init; } = [];

    /// <summary>The <c>exact</c> attribute; always false with "any" (RFC 5985 §6.2.1).</summary>
    public bool Exact { get; init; }

    /// <summary>RFC 6155 device identity; null when absent or when it held no usable identifier.</summary>
    public DeviceIdentity? Device { get; init; }

    /// <summary>RFC 7105 §5.1 LLDP neighbours, in document order.</summary>
    public IReadOnlyList<LldpNeighbour> Lldp { get; init; } = [];

    /// <summary>RFC 7105 §5.3 BSSID of the AP marked <c>serving="true"</c>.</summary>
    public MacAddress? ServingBssid { get; init; }

    /// <summary>Other reported BSSIDs (RFC 7105 APs without the serving flag, and legacy draft <c>neighbourWap</c>).</summary>
    public IReadOnlyList<MacAddress> NeighbourBssids { get; init; } = [];

    /// <summary>RFC 7105 §5.2 DHCP relay agent information (the first one reported).</summary>
    public DhcpRelayInfo? DhcpRelay { get; init; }

    /// <summary>The first measurement container's <c>time</c> (zone-less values read as UTC), RFC 7105 §4.1.1.</summary>
    public DateTimeOffset? MeasurementTime { get; init; }

    /// <summary>The first measurement container's <c>expires</c>, RFC 7105 §4.1.2.</summary>
    public DateTimeOffset? MeasurementExpires { get; init; }

    /// <summary>Gateway MAC reported by a soft client in a <c>gatewayMac</c> extension element (any namespace).</summary>
    public MacAddress? GatewayMac { get; init; }

    /// <summary>Company identifier from a <c>companyUUID</c>/<c>companyId</c> extension element (any namespace, any case).</summary>
    public string? CompanyUuid { get; init; }

    /// <summary>RFC 7840 §4 <c>requestRoutingInformation</c> present.</summary>
    public bool RequestRoutingInformation { get; init; }

    /// <summary>RFC 7840 §4 <c>service</c> attribute; null means the default <c>urn:service:sos</c>.</summary>
    public string? RoutingService { get; init; }

    /// <summary>A nomadic civic address a soft client submitted in <c>ext:userProvidedLocation</c>.</summary>
    public CivicAddress? UserProvidedLocation { get; init; }

    /// <summary>"{namespace}localName" of elements that were tolerated but not understood (capped at 32).</summary>
    public IReadOnlyList<string> UnknownElements { get; init; } = [];

    /// <summary>True when at least one RFC 7105 <c>measurements</c> container was present.</summary>
    public bool HasMeasurements { get; init; }
}

/// <summary>HELD error codes (RFC 5985 §6.3; <c>badIdentifier</c> from RFC 6155 §7.3).</summary>
public enum HeldErrorCode
{
    RequestError,
    XmlError,
    GeneralLisError,
    LocationUnknown,
    UnsupportedMessage,
    Timeout,
    CannotProvideLiType,
    NotLocatable,
    BadIdentifier,
}

/// <summary>The single mapping of <see cref="HeldErrorCode"/> to its wire token (RFC 5985 §11.4 registry).</summary>
public static class HeldErrorCodes
{
    public static string ToWire(this HeldErrorCode code) => code switch
    {
        HeldErrorCode.RequestError => "requestError",
        HeldErrorCode.XmlError => "xmlError",
        HeldErrorCode.GeneralLisError => "generalLisError",
        HeldErrorCode.LocationUnknown => "locationUnknown",
        HeldErrorCode.UnsupportedMessage => "unsupportedMessage",
        HeldErrorCode.Timeout => "timeout",
        HeldErrorCode.CannotProvideLiType => "cannotProvideLiType",
        HeldErrorCode.NotLocatable => "notLocatable",
        HeldErrorCode.BadIdentifier => "badIdentifier",
        _ => throw new ArgumentOutOfRangeException(nameof(code)),
    };

    public static bool TryParse(string wire, out HeldErrorCode code)
    {
        foreach (var candidate in Enum.GetValues<HeldErrorCode>())
        {
            if (candidate.ToWire() == wire) { code = candidate; return true; }
        }
        code = default;
        return false;
    }
}

/// <summary>
/// A HELD <c>error</c> (RFC 5985 §6.3, §6.4). <paramref name="RequiredIdentifiers"/> becomes RFC 6155 §2.2
/// <c>requiredIdentifiers</c>.
/// </summary>
public sealed record HeldError(HeldErrorCode Code, string Message, IReadOnlyList<XmlQualifiedName>? RequiredIdentifiers = null)
{
    /// <summary>The manual-entry policy for soft clients, written after the messages (<see cref="ManualEntryHint"/>).</summary>
    public ManualEntryHint? ManualEntry { get; init; }
}

/// <summary>Either a parsed request or the HELD error to answer with; parsing never throws.</summary>
public readonly struct HeldParseResult
{
    private HeldParseResult(HeldRequest? request, HeldError? error)
    {
        Request = request;
        Error = error;
    }

    public HeldRequest? Request { get; }
    public HeldError? Error { get; }

    [MemberNotNullWhen(true, nameof(Request))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Request is not null;

    public static HeldParseResult Success(HeldRequest request) => new(request ?? throw new ArgumentNullException(nameof(request)), null);

    public static HeldParseResult Failure(HeldError error) => new(null, error ?? throw new ArgumentNullException(nameof(error)));
}
