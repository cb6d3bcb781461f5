namespace LocationServer.Core.Wiremap;

/// <summary>A WGS 84 point (EPSG:4326, or EPSG:4979 with altitude in metres), RFC 5491 §5.2.1.</summary>
public readonly record struct GeoPoint(double Latitude, double Longitude, double? Altitude = null)
{
    /// <summary>True when latitude is within ±90 and longitude within ±180 and both are finite.</summary>
    public bool IsValid =>
        double.IsFinite(Latitude) && double.IsFinite(Longitude) &&
        Latitude is >= -90 and <= 90 && Longitude is >= -180 and <= 180 &&
        (Altitude is null || double.IsFinite(Altitude.Value));
}
