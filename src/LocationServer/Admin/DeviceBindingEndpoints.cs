using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Data.Storage;
using LocationServer.Errors;
using LocationServer.Locating.Held;

namespace LocationServer.Admin;

/// <summary>
/// The trusted network source of device bindings (RFC 5985 §9): a DHCP or ARP feed tells the server which address each
/// MAC holds, so a device that moved to a new address is believed at once instead of when its old binding expires.
/// </summary>
internal static class DeviceBindingEndpoints
{
    public static RouteGroupBuilder MapDeviceBindings(this RouteGroupBuilder admin)
    {
        admin.MapPost("/tenants/{tenant}/device-bindings", async (string tenant, HttpRequest request, WiremapIndexHolder holder, DeviceClaims claims) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<List<DeviceBindingEntry?>>(request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var parsed = new List<(MacAddress Mac, IPAddress Address)>();
            var errors = new List<string>();
            foreach (var (entry, i) in (body ?? []).Select((e, i) => (e, i)))
            {
                if (entry?.Mac is null || !MacAddress.TryParse(entry.Mac, out var mac)) errors.Add($"/{i}/mac: not a MAC address");
                else if (entry.Ip is null || !IPAddress.TryParse(entry.Ip, out var address)) errors.Add($"/{i}/ip: not an IP address");
                else parsed.Add((mac, address));
            }
            if (errors.Count > 0) return Problems.Invalid(errors);
            try
            {
                foreach (var (mac, address) in parsed) await claims.AssertAsync(index.Tenant.Id, mac, address).ConfigureAwait(false);
            }
            catch (StorageUnavailableException ex)
            {
                return Problems.Unavailable([ex.Message]);
            }
            return Results.Ok(new { bound = parsed.Count });
        }).WithSummary("Bind MACs to the addresses a DHCP or ARP feed saw them use; a device's MAC claim is believed only from its bound address.");

        admin.MapGet("/tenants/{tenant}/device-bindings/{mac}", async (string tenant, string mac, WiremapIndexHolder holder, DeviceClaims claims) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            if (!MacAddress.TryParse(mac, out var parsed)) return Problems.Invalid("mac: not a MAC address");
            var address = await claims.GetAsync(index.Tenant.Id, parsed).ConfigureAwait(false);
            return address is null ? Problems.NotFound("This MAC is not bound.") : Results.Ok(new { mac = parsed.ToDashString(), ip = address });
        }).WithSummary("Show the address a MAC is bound to.");

        admin.MapDelete("/tenants/{tenant}/device-bindings/{mac}", async (string tenant, string mac, WiremapIndexHolder holder, DeviceClaims claims) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            if (!MacAddress.TryParse(mac, out var parsed)) return Problems.Invalid("mac: not a MAC address");
            return await claims.ReleaseAsync(index.Tenant.Id, parsed).ConfigureAwait(false) ? Results.NoContent() : Problems.NotFound("This MAC is not bound.");
        }).WithSummary("Release a MAC's binding, so the next address that claims it binds it.");
        return admin;
    }

    /// <summary>One observation of a DHCP lease or ARP entry: this MAC holds this address.</summary>
    internal sealed record DeviceBindingEntry(string? Mac, string? Ip);
}
