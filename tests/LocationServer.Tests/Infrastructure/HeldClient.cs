using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;

namespace LocationServer.Tests.Infrastructure;

/// <summary>Test helpers for HELD over HTTP.</summary>
public static class HeldClient
{
    public static readonly XNamespace Held = "urn:ietf:params:xml:ns:geopriv:held";
    public static readonly XNamespace Pidf = "urn:ietf:params:xml:ns:pidf";
    public static readonly XNamespace Gp = "urn:ietf:params:xml:ns:pidf:geopriv10";
    public static readonly XNamespace Ca = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr";
    public static readonly XNamespace Gml = "http://www.opengis.net/gml";
    public const string EmptyRequest = "<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"/>";

    public static async Task WaitReadyAsync(this HttpClient client)
    {
        for (var i = 0; i < 200; i++)
        {
            using var response = await client.GetAsync("/health/ready");
            if (response.IsSuccessStatusCode) return;
            await Task.Delay(50);
        }
        throw new TimeoutException("The service did not become ready.");
    }

    public static HttpRequestMessage Request(string path, string body, string? remoteIp = null, string contentType = "application/held+xml;charset=utf-8")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (remoteIp is not null) request.Headers.Add(LocationServerFactory.RemoteIpHeader, remoteIp);
        return request;
    }

    public static async Task<(HttpResponseMessage Response, XDocument? Document, string Body)> PostHeldAsync(this HttpClient client, string body, string? remoteIp = null, string path = "/held")
    {
        using var request = Request(path, body, remoteIp);
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        XDocument? document = null;
        if (text.Length > 0 && text.TrimStart().StartsWith('<')) document = XDocument.Parse(text);
        return (response, document, text);
    }

    public static string? ErrorCode(this XDocument? document) =>
        document?.Root?.Name == Held + "error" ? (string?)document.Root!.Attribute("code") : null;

    public static string? Civic(this XDocument? document, string element) =>
        document?.Descendants(Ca + element).FirstOrDefault()?.Value;

    public static string? LocationUri(this XDocument? document) =>
        document?.Descendants(Held + "locationURI").FirstOrDefault()?.Value.Trim();

    public static string? Method(this XDocument? document) =>
        document?.Descendants(Gp + "method").FirstOrDefault()?.Value;
}
