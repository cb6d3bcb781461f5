using System.Globalization;
using LocationServer.Admin;
using LocationServer.Data.Storage;

namespace LocationServer.Cli;

/// <summary>
/// <c>admin-key create --role ROLE [--tenant T] [--sites S1,S2] [--name TEXT] [--expires DATE|Nd]</c> prints the new
/// key alone on standard output (its details on standard error), the only time it is shown; the first system key of
/// a deployment is made this way. <c>admin-key list</c> shows every key (never a secret); <c>admin-key revoke ID</c>
/// revokes one. Each create and revoke is in the audit trail as actor "cli".
/// </summary>
internal static class AdminKeyCommand
{
    private static readonly AdminCaller Cli = AdminCaller.Create(AdminRole.System, null, [], "cli")!;

    public static async Task<int> RunAsync(IServiceProvider services, string[] operands, TextWriter output, TextWriter error)
    {
        var keys = services.GetRequiredService<AdminKeyService>();
        var store = services.GetRequiredService<WiremapStore>();
        var time = services.GetRequiredService<TimeProvider>();
        switch (operands)
        {
            case ["create", .. var rest]:
                {
                    var options = new Dictionary<string, string>(StringComparer.Ordinal);
                    for (var i = 0; i + 1 < rest.Length; i += 2)
                    {
                        if (!rest[i].StartsWith("--", StringComparison.Ordinal))
                        {
                            await error.WriteLineAsync($"admin-key create: unexpected argument '{rest[i]}'").ConfigureAwait(false);
                            return 2;
                        }
                        options[rest[i]] = rest[i + 1];
                    }
                    if (rest.Length % 2 == 1)
                    {
                        await error.WriteLineAsync($"admin-key create: unexpected argument '{rest[^1]}'").ConfigureAwait(false);
                        return 2;
                    }
                    DateTimeOffset? expires = null;
                    if (options.TryGetValue("--expires", out var text))
                    {
                        expires = ParseExpiry(text, time.GetUtcNow());
                        if (expires is null)
                        {
                            await error.WriteLineAsync($"admin-key create: --expires '{text}' is neither a date-time (2027-06-30, 2027-06-30T12:00Z) nor a number of days (90d)").ConfigureAwait(false);
                            return 2;
                        }
                    }
                    var request = new AdminKeyRequest(options.GetValueOrDefault("--role"), options.GetValueOrDefault("--tenant"),
                        options.TryGetValue("--sites", out var sites) ? sites.Split(',', StringSplitOptions.TrimEntries) : null,
                        options.GetValueOrDefault("--name"), expires);
                    var (record, key, errors) = await keys.CreateAsync(request, Cli, null, record => Audit(time, "key.create", "admin-key create", record.TenantId, record.Id), CancellationToken.None).ConfigureAwait(false);
                    if (record is null)
                    {
                        foreach (var e in errors) await error.WriteLineAsync($"admin-key create: {e}").ConfigureAwait(false);
                        return 1;
                    }
                    await error.WriteLineAsync($"Created admin key {record.Id} (role {record.Role}{(record.TenantId is null ? "" : $", tenant {record.TenantId}")}{(record.Sites.Count == 0 ? "" : $", sites {string.Join(",", record.Sites)}")}, " +
                        $"{(record.ExpiresUtc is { } e2 ? "expires " + e2.ToString("u", CultureInfo.InvariantCulture) : "never expires")}). It is shown only now:").ConfigureAwait(false);
                    await output.WriteLineAsync(key).ConfigureAwait(false);
                    return 0;
                }
            case ["list"]:
                foreach (var k in await store.ListAdminKeysAsync(null).ConfigureAwait(false))
                {
                    var state = k.RevokedUtc is not null ? "revoked" : k.ExpiresUtc is { } e && e <= time.GetUtcNow().UtcDateTime ? "expired" : "active";
                    await output.WriteLineAsync(string.Join('\t', k.Id, k.Role, k.TenantId ?? "*", string.Join(',', k.Sites), state,
                        k.ExpiresUtc?.ToString("u", CultureInfo.InvariantCulture) ?? "-", k.Name ?? "")).ConfigureAwait(false);
                }
                return 0;
            case ["revoke", var id]:
                {
                    if (await store.FindAdminKeyAsync(id).ConfigureAwait(false) is not { } found)
                    {
                        await error.WriteLineAsync($"admin-key revoke: no key '{id}'").ConfigureAwait(false);
                        return 1;
                    }
                    await keys.RevokeAsync(id, Cli, CancellationToken.None).ConfigureAwait(false);
                    await store.AppendAuditAsync(Audit(time, "key.revoke", "admin-key revoke", found.TenantId, id)).ConfigureAwait(false);
                    await output.WriteLineAsync($"Revoked admin key {id}.").ConfigureAwait(false);
                    return 0;
                }
            default:
                await error.WriteLineAsync(CommandLine.Usage).ConfigureAwait(false);
                return 2;
        }
    }

    private static AuditEntry Audit(TimeProvider time, string kind, string route, string? tenant, string objectId)
    {
        var now = time.GetUtcNow();
        return new AuditEntry(AuditTrail.NewId(now), now.UtcDateTime, Cli.Actor, "system", tenant, kind, "CLI", route, objectId, 0, null, null);
    }

    /// <summary>A date-time (UTC unless it says otherwise), or a number of days from now ("90d").</summary>
    internal static DateTimeOffset? ParseExpiry(string text, DateTimeOffset now)
    {
        if (text.EndsWith('d') && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days > 0)
            return now.AddDays(days);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;
    }
}
