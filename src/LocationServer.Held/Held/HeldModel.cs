using System.Net;
using System.Xml;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;

namespace LocationServer.Held;

/// <summary>HELD error codes (RFC 5985 §6.3, IANA registry; <c>badIdentifier</c> from RFC 6155 §7.3).</summary>
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

/// <summary>A HELD error as a value: the code, a message for people (English), and optionally the identifiers needed.</summary>
public sealed record HeldError(HeldErrorCode Code, string Message, IReadOnlyList<XmlQualifiedName>? RequiredIdentifiers = null)
{
    /// <summary>The registered wire spelling of <paramref name="code"/>.</summary>
    public static string WireCode(HeldErrorCode code) => code switch
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
}

/// <summary>Location types of RFC 5985 §6.2.</summary>
public enum LocationType
{
    Civic,
    Geodetic,
    LocationUri,
}

/// <summary>The kinds of <c>responseTime</c> (RFC 5985 §6.1).</summary>
public enum ResponseTimeKind
{
    None,
    EmergencyRouting,
    EmergencyDispatch,
    Milliseconds,
}

/// <summary>The request's <c>responseTime</c> attribute.</summary>
public readonly record struct ResponseTime(ResponseTimeKind Kind, int? Milliseconds = null);

/// <summary>RFC 6155 identifier kinds.</summary>
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

/// <summary>One RFC 6155 identifier as sent (value trimmed; for <c>ip</c>, <see cref="Version"/> is the <c>v</c> attribute).</summary>
public sealed record DeviceIdentifier(DeviceIdentifierKind Kind, string Value, string? Version = null);

/// <summary>The RFC 6155 <c>device</c> element: every identifier, with typed conveniences for those used to locate.</summary>
public sealed record DeviceIdentity(IReadOnlyList<DeviceIdentifier> Identifiers)
{
    /// <summary>The RFC 6155 namespace.</summary>
    public const string Namespace = "urn:ietf:params:xml:ns:geopriv:held:id";

    public IPAddress? Ip { get; init; }
    public MacAddress? Mac { get; init; }
    /// <summary>A sip:/tel: URI (display-name forms reduced to the URI; a bare +number becomes tel:).</summary>
    public string? Uri { get; init; }
}

/// <summary>A parsed HELD <c>locationRequest</c> (RFC 5985 §6) with the extensions this server understands.</summary>
public sealed record HeldRequest
{
    public ResponseTime ResponseTime { get; init; }
    /// <summary>Requested types in request order; empty means <c>any</c>.</summary>
    public IReadOnlyList<LocationType> LocationTypes { get; init; } = [];
    public bool Exact { get; init; }
    public DeviceIdentity? Device { get; init; }
    public IReadOnlyList<LldpNeighbour> Lldp { get; init; } = [];
    public MacAddress? ServingBssid { get; init; }
    public IReadOnlyList<MacAddress> NeighbourBssids { get; init; } = [];
    public DateTimeOffset? MeasurementTime { get; init; }
    public DateTimeOffset? MeasurementExpires { get; init; }
    public MacAddress? GatewayMac { get; init; }
    public string? CompanyUuid { get; init; }
    public bool RequestRoutingInformation { get; init; }
    public string? RoutingService { get; init; }
    public CivicAddress? UserProvidedLocation { get; init; }
    /// <summary>Elements not understood, as <c>{namespace}local</c>, for the audit record (at most 32).</summary>
    public IReadOnlyList<string> UnknownElements { get; init; } = [];
    public bool HasMeasurements { get; init; }
}

/// <summary>Either a request or the HELD error to answer with.</summary>
public readonly record struct HeldParseResult(HeldRequest? Request, HeldError? Error)
{
    public static HeldParseResult Success(HeldRequest request) => new(request, null);

    public static HeldParseResult Failure(HeldError error) => new(null, error);
}

/// <summary>What a successful HELD answer carries (RFC 5985 §6.5, §6.6; RFC 6155 §2.2).</summary>
public sealed record LocationResponse
{
    public IReadOnlyList<string> LocationUris { get; init; } = [];
    public DateTimeOffset UrisExpire { get; init; }
    public PidfLo? Presence { get; init; }
    public DeviceIdentity? EchoDevice { get; init; }
}
