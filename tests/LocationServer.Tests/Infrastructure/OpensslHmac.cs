using System.Diagnostics;
using System.Text;

namespace LocationServer.Tests.Infrastructure;

/// <summary>
/// HMAC-SHA256 computed outside the product, by <c>openssl dgst -sha256 -hmac</c>: the independent check of the webhook
/// signature format documented in docs/api.md (<c>sha256=HEX</c> over <c>"{timestamp}.{body}"</c>).
/// </summary>
internal static class OpensslHmac
{
    /// <summary>The lower-case hex HMAC-SHA256 of <paramref name="data"/> keyed with <paramref name="key"/>.</summary>
    public static async Task<string> HexAsync(string key, byte[] data)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "dgst", "-sha256", "-hmac", key }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start (apt-get install -y openssl)");
        await process.StandardInput.BaseStream.WriteAsync(data);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"openssl dgst failed ({process.ExitCode}): {error}");
        // "SHA2-256(stdin)= 5bdc…" (OpenSSL 3) or "(stdin)= 5bdc…" (older).
        return output[(output.LastIndexOf('=') + 1)..].Trim();
    }

    /// <summary>The webhook signature header value for <paramref name="body"/> sent at <paramref name="timestamp"/>.</summary>
    public static async Task<string> WebhookSignatureAsync(string secret, string timestamp, string body) =>
        "sha256=" + await HexAsync(secret, Encoding.UTF8.GetBytes(timestamp + "." + body));
}
