using LocationServer.Core.Identifiers;

namespace LocationServer.Core.Wiremap;

/// <summary>
/// Checks a tenant's emergency policies (docs/policies.md). Paths follow the JSON wiremap document
/// (<c>/policies/2/dialStrings/0/digits</c>), so an admin answer or an import error names the field.
/// </summary>
public static class PolicyValidator
{
    /// <summary>Longest accepted dial string.</summary>
    public const int MaxDigits = 16;

    /// <summary>Longest accepted disclaimer text.</summary>
    public const int MaxDisclaimerLength = 2048;

    /// <summary>Validates <paramref name="policies"/> against the wiremap's sites; an empty list means they can be stored.</summary>
    public static IReadOnlyList<ValidationError> Validate(IReadOnlyList<EmergencyPolicy>? policies, IReadOnlyCollection<string> siteIds, string basePath = "/policies")
    {
        ArgumentNullException.ThrowIfNull(siteIds);
        var errors = new List<ValidationError>();
        if (policies is null) return errors;
        void Add(string path, string message) => errors.Add(new ValidationError(path, message));
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var tenantPolicy = -1;
        var sitePolicies = new Dictionary<string, string>(StringComparer.Ordinal);
        var networks = new Dictionary<IpPrefix, string>();
        for (var i = 0; i < policies.Count; i++)
        {
            var p = policies[i];
            var path = $"{basePath}/{i}";
            if (p is null) { Add(path, "is null"); continue; }
            if (!IsPolicyId(p.Id)) Add(path + "/id", $"'{Short(p.Id ?? "")}' is not a policy id (1-64 of a-z, A-Z, 0-9, '-', '_', '.')");
            else if (!ids.TryAdd(p.Id, i)) Add(path + "/id", $"duplicate id '{p.Id}' (also {basePath}/{ids[p.Id]})");
            if (string.IsNullOrWhiteSpace(p.Name)) Add(path + "/name", "is required");
            else Text(p.Name, path + "/name", WiremapValidator.MaxTextLength);

            if (!Enum.IsDefined(p.Scope)) Add(path + "/scope", "must be tenant, site or network");
            if (p.Scope != PolicyScope.Site && p.SiteIds is { Count: > 0 }) Add(path + "/siteIds", "only a site-scoped policy names sites");
            if (p.Scope != PolicyScope.Network && p.Networks is { Count: > 0 }) Add(path + "/networks", "only a network-scoped policy names networks");
            switch (p.Scope)
            {
                case PolicyScope.Tenant:
                    if (tenantPolicy >= 0) Add(path + "/scope", $"the tenant already has a tenant-scoped policy ({basePath}/{tenantPolicy})");
                    else tenantPolicy = i;
                    break;
                case PolicyScope.Site:
                    if (p.SiteIds is not { Count: > 0 }) { Add(path + "/siteIds", "a site-scoped policy names one or more sites"); break; }
                    for (var j = 0; j < p.SiteIds.Count; j++)
                    {
                        var site = p.SiteIds[j];
                        var sitePath = $"{path}/siteIds/{j}";
                        if (string.IsNullOrEmpty(site) || !siteIds.Contains(site)) Add(sitePath, $"no site with id '{Short(site ?? "")}'");
                        else if (!sitePolicies.TryAdd(site, p.Id ?? "")) Add(sitePath, $"site '{Short(site)}' already has policy '{Short(sitePolicies[site])}'");
                    }
                    break;
                case PolicyScope.Network:
                    if (p.Networks is not { Count: > 0 }) { Add(path + "/networks", "a network-scoped policy names one or more subnets"); break; }
                    for (var j = 0; j < p.Networks.Count; j++)
                    {
                        var cidr = p.Networks[j];
                        var netPath = $"{path}/networks/{j}";
                        if (cidr is null || !IpPrefix.TryParse(cidr, out var prefix)) Add(netPath, $"'{Short(cidr ?? "")}' is not an address or CIDR prefix with zero host bits");
                        else if (!networks.TryAdd(prefix, p.Id ?? "")) Add(netPath, $"'{Short(cidr)}' already belongs to policy '{Short(networks[prefix])}'");
                    }
                    break;
            }

            if (p.Preset is { } preset && !PolicyPresets.All.ContainsKey(preset))
                Add(path + "/preset", $"'{Short(preset)}' is not a preset ({string.Join(", ", PolicyPresets.All.Keys)})");
            var services = new Dictionary<string, (DialService Service, string Where)>(StringComparer.Ordinal);
            if (p.Preset is { } known && PolicyPresets.All.TryGetValue(known, out var presetStrings))
                foreach (var s in presetStrings) services[s.Digits] = (s.Service, $"preset '{known}'");
            var dials = p.DialStrings ?? [];
            for (var j = 0; j < dials.Count; j++)
            {
                var d = dials[j];
                var dialPath = $"{path}/dialStrings/{j}";
                if (d is null) { Add(dialPath, "is null"); continue; }
                if (!IsDialString(d.Digits)) { Add(dialPath + "/digits", $"'{Short(d.Digits ?? "")}' is not a dial string (1-{MaxDigits} of 0-9, '*', '#')"); continue; }
                if (!Enum.IsDefined(d.Service)) { Add(dialPath + "/service", "must be emergency or test"); continue; }
                if (services.TryGetValue(d.Digits, out var earlier))
                {
                    if (earlier.Service != d.Service) Add(dialPath + "/service", $"'{d.Digits}' is both an emergency and a test dial string (also in {earlier.Where})");
                    else if (earlier.Where.StartsWith('/')) Add(dialPath + "/digits", $"duplicate of {earlier.Where}");
                    continue;
                }
                services[d.Digits] = (d.Service, dialPath);
            }
            if (p.Mode is { } mode && !Enum.IsDefined(mode)) Add(path + "/mode", "must be enabled, testOnly or disabled");
            SipUri(p.RelayCenterUri, path + "/relayCenterUri");
            SipUri(p.TestServiceUri, path + "/testServiceUri");
            SipUri(p.CarrierRouteUri, path + "/carrierRouteUri");
            if (p.ManualEntry is { } manual && !Enum.IsDefined(manual)) Add(path + "/manualEntry", "must be notAllowed, optional or required");
            if (p.Disclaimer is { } disclaimer)
            {
                if (disclaimer.Trim().Length == 0) Add(path + "/disclaimer", "is empty; leave it out to inherit");
                if (disclaimer.Length > MaxDisclaimerLength) Add(path + "/disclaimer", $"longer than {MaxDisclaimerLength} characters");
                if (disclaimer.Any(c => char.IsControl(c) && c is not '\n')) Add(path + "/disclaimer", "contains a control character other than a line break");
            }
            if (p.CallbackWindowMinutes is { } minutes && minutes is < 1 or > 1440) Add(path + "/callbackWindowMinutes", "must be between 1 and 1440");
            if (p.Conference is { } conference)
            {
                if (conference.Uri is null) Add(path + "/conference/uri", "is required");
                else SipUri(conference.Uri, path + "/conference/uri");
                if (!Enum.IsDefined(conference.Mode)) Add(path + "/conference/mode", "must be oneWay or twoWay");
            }
        }
        return errors;

        void Text(string value, string path, int max)
        {
            if (value.Length > max) errors.Add(new ValidationError(path, $"longer than {max} characters"));
            if (value.Any(char.IsControl)) errors.Add(new ValidationError(path, "contains a control character"));
        }

        void SipUri(string? value, string path)
        {
            if (value is null) return;
            if (!IsSipUri(value)) errors.Add(new ValidationError(path, $"'{Short(value)}' is not a sip: or sips: URI with a host"));
        }
    }

    /// <summary>True for a dial string: 1-16 of 0-9, '*' and '#'.</summary>
    public static bool IsDialString(string? digits) =>
        digits is { Length: >= 1 and <= MaxDigits } && digits.All(c => c is (>= '0' and <= '9') or '*' or '#');

    /// <summary>True for a policy id: 1-64 of a-z, A-Z, 0-9, '-', '_', '.'.</summary>
    public static bool IsPolicyId(string? id) =>
        id is { Length: >= 1 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>True for "sip:" or "sips:" followed by a user part and/or a host, without spaces or control characters.</summary>
    public static bool IsSipUri(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 512) return false;
        var rest = value.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) ? value[4..]
            : value.StartsWith("sips:", StringComparison.OrdinalIgnoreCase) ? value[5..] : null;
        if (string.IsNullOrEmpty(rest) || rest.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '<' or '>' or '"')) return false;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        var host = at >= 0 ? rest[(at + 1)..] : rest;
        var end = host.IndexOfAny([';', '?']);
        if (end >= 0) host = host[..end];
        if (host.StartsWith('[')) return host.Contains(']', StringComparison.Ordinal);
        var colon = host.LastIndexOf(':');
        if (colon >= 0) host = host[..colon];
        return host.Length > 0 && Uri.CheckHostName(host) != UriHostNameType.Unknown;
    }

    private static string Short(string value) => CivicAddressValidator.Short(value);
}
