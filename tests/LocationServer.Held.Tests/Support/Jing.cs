using System.Diagnostics;

namespace LocationServer.Held.Tests.Support;

/// <summary>
/// Validates LoST messages against the normative RelaxNG compact schema (RFC 5222 §15) with jing. A missing jing is a
/// failure, not a skip: the test script installs it (apt package <c>jing</c>).
/// </summary>
internal static class Jing
{
    public static (int ExitCode, string Output) Validate(byte[] document)
    {
        var file = Path.Combine(Path.GetTempPath(), $"lost-{Guid.NewGuid():N}.xml");
        File.WriteAllBytes(file, document);
        try
        {
            var start = new ProcessStartInfo("jing")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(Path.Combine(TestFiles.SchemaDirectory, "lost.rnc"));
            start.ArgumentList.Add(file);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("jing did not start");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(60_000))
            {
                process.Kill();
                throw new TimeoutException("jing did not finish in 60 s");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static void AssertValid(byte[] document)
    {
        var (code, output) = Validate(document);
        Assert.True(code == 0, output + "\n" + System.Text.Encoding.UTF8.GetString(document));
    }
}
