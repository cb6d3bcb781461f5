using Microsoft.Extensions.Options;

namespace LocationServer.Locating.Configuration;

/// <summary>Settings that check themselves at start, against the whole configuration, one message per wrong setting.</summary>
internal interface IValidatedOptions
{
    /// <summary>Every problem, each naming its setting (<c>Section:Key</c>) and what is expected; empty when valid.</summary>
    IEnumerable<string> Validate(IConfiguration configuration);
}

/// <summary>
/// The one way settings are registered: bound from their section and validated when the host starts, so a misconfigured
/// process stops with the settings named instead of running and failing every request.
/// </summary>
internal static class ValidatedOptions
{
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class, IValidatedOptions =>
        services.AddValidatedOptions<T>(configuration, section, options => options.Validate(configuration));

    /// <summary>The same for settings classes that live where this interface cannot (Core): <paramref name="validate"/> names each problem.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section, Func<T, IEnumerable<string>> validate)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<IValidateOptions<T>>(new Validator<T>(validate));
        services.AddSingleton<IOptionsCheck>(sp => new OptionsCheck<T>(sp));
        return services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    /// <summary>
    /// Every registered settings problem, across all sections, before anything starts (hosted services read their
    /// settings when they are built, which would otherwise report only the first problem, with a stack trace).
    /// </summary>
    public static IReadOnlyList<string> Failures(IServiceProvider services) =>
        [.. services.GetServices<IOptionsCheck>().SelectMany(check => check.Failures())];

    /// <summary>Tells whether PostgreSQL (a shared, multi-replica deployment) is configured.</summary>
    public static bool HasPostgres(this IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration.GetConnectionString("Postgres"));

    private interface IOptionsCheck
    {
        IEnumerable<string> Failures();
    }

    private sealed class OptionsCheck<T>(IServiceProvider services) : IOptionsCheck
        where T : class
    {
        public IEnumerable<string> Failures()
        {
            try
            {
                _ = services.GetRequiredService<IOptions<T>>().Value;
                return [];
            }
            catch (OptionsValidationException e)
            {
                return e.Failures;
            }
            catch (InvalidOperationException e)
            {
                // The binder names the key and the value it could not convert.
                return [e.Message];
            }
        }
    }

    private sealed class Validator<T>(Func<T, IEnumerable<string>> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var errors = validate(options).ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
