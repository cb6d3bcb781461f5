using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LocationServer.Tests.AdminAccounts;

/// <summary>Admin API calls the account tests share: create a key, send a request as a key, read JSON.</summary>
internal static class AdminApi
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Creates a key through <paramref name="path"/> as <paramref name="creator"/> (null: loopback, the embedded default's system caller); returns the whole key.</summary>
    public static async Task<string> CreateKeyAsync(HttpClient client, string? creator, string json, string path = "/admin/keys")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(json) };
        if (creator is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", creator);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"creating a key answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("key").GetString()!;
    }

    /// <summary>The key id: the part between <c>lsk_</c> and the secret.</summary>
    public static string IdOf(string key) => key.Substring(4, 16);

    public static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, string? key, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = Json(json);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        // The live feed never ends: its headers are the answer.
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "" : await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body);
    }

    public static Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient client, string? key, string path) => SendAsync(client, key, HttpMethod.Get, path);

    /// <summary>The fingerprint HELD gives the /24 of an IPv4 address, as unknown-networks lists it.</summary>
    public static string Network(string ipv4)
    {
        var b = IPAddress.Parse(ipv4).GetAddressBytes();
        var number = ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8);
        return "net:4:" + number.ToString("x", CultureInfo.InvariantCulture) + "/24";
    }
}
