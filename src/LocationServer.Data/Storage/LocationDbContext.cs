using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LocationServer.Data.Storage;

/// <summary>
/// The one storage model, used with PostgreSQL (Npgsql) and SQLite alike. The schema is created by the
/// hand-written migrations in <c>Migrations/</c>; keep both in step (a test reads every column of every table).
/// </summary>
internal sealed class LocationDbContext(DbContextOptions<LocationDbContext> options) : DbContext(options)
{
    public DbSet<TenantRow> Tenants => Set<TenantRow>();
    public DbSet<SiteRow> Sites => Set<SiteRow>();
    public DbSet<LocationRow> Locations => Set<LocationRow>();
    public DbSet<NetworkElementRow> NetworkElements => Set<NetworkElementRow>();
    public DbSet<DidRow> Dids => Set<DidRow>();
    public DbSet<RequesterRow> Requesters => Set<RequesterRow>();
    public DbSet<WiremapVersionRow> WiremapVersion => Set<WiremapVersionRow>();
    public DbSet<NomadicAddressRow> NomadicAddresses => Set<NomadicAddressRow>();
    public DbSet<CallRecordRow> CallRecords => Set<CallRecordRow>();
    public DbSet<ElinAssignmentRow> ElinAssignments => Set<ElinAssignmentRow>();
    public DbSet<AlertTargetRow> AlertTargets => Set<AlertTargetRow>();
    public DbSet<AlertDeliveryRow> AlertDeliveries => Set<AlertDeliveryRow>();
    public DbSet<UnknownNetworkEventRow> UnknownNetworkEvents => Set<UnknownNetworkEventRow>();
    // GIS data (validation, geocoding, civic LoST)
    public DbSet<GisDatasetRow> GisDatasets => Set<GisDatasetRow>();
    public DbSet<GisTenantSettingRow> GisTenantSettings => Set<GisTenantSettingRow>();

    // Administration: API keys and the audit trail (migration 20261204000001).
    public DbSet<AdminKeyRow> AdminKeys => Set<AdminKeyRow>();
    public DbSet<AuditEntryRow> AuditEntries => Set<AuditEntryRow>();
    // Emergency endpoints and users (the endpoint directory).
    public DbSet<EmergencyEndpointRow> EmergencyEndpoints => Set<EmergencyEndpointRow>();
    public DbSet<EndpointAssignmentRow> EndpointAssignments => Set<EndpointAssignmentRow>();
    public DbSet<DirectoryUserRow> DirectoryUsers => Set<DirectoryUserRow>();
    public DbSet<DirectoryUserNumberRow> DirectoryUserNumbers => Set<DirectoryUserNumberRow>();
    public DbSet<DirectoryUserDeviceRow> DirectoryUserDevices => Set<DirectoryUserDeviceRow>();
    public DbSet<EndpointDirectoryVersionRow> EndpointDirectoryVersions => Set<EndpointDirectoryVersionRow>();
    // Emergency policies, part of the tenant's wiremap (migration 20261206000001).
    public DbSet<PolicyRow> Policies => Set<PolicyRow>();
    // PSAP service boundaries, stored and edited (migration 20261206000201).
    public DbSet<PsapBoundaryRow> PsapBoundaries => Set<PsapBoundaryRow>();
    public DbSet<PsapBoundaryVersionRow> PsapBoundaryVersion => Set<PsapBoundaryVersionRow>();
    // Security-desk alerts and their acknowledgements (migration 20261206000101).
    public DbSet<AlertRow> Alerts => Set<AlertRow>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Times are UTC everywhere; SQLite hands back Kind=Unspecified and Npgsql refuses non-UTC for timestamptz.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<TenantRow>(b =>
        {
            b.ToTable("tenants");
            b.HasKey(x => x.Id);
        });
        modelBuilder.Entity<SiteRow>(b =>
        {
            b.ToTable("sites");
            b.HasKey(x => new { x.TenantId, x.Id });
            b.HasOne<TenantRow>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<LocationRow>(b =>
        {
            b.ToTable("locations");
            b.HasKey(x => new { x.TenantId, x.Id });
            b.HasOne<SiteRow>().WithMany().HasForeignKey(x => new { x.TenantId, x.SiteId }).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<NetworkElementRow>(b =>
        {
            b.ToTable("network_elements");
            b.HasKey(x => new { x.TenantId, x.Ordinal });
            b.HasIndex(x => new { x.TenantId, x.Kind, x.NormalizedValue }).IsUnique();
            b.HasOne<TenantRow>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
            b.HasOne<LocationRow>().WithMany().HasForeignKey(x => new { x.TenantId, x.LocationId }).OnDelete(DeleteBehavior.Cascade);
            b.HasOne<SiteRow>().WithMany().HasForeignKey(x => new { x.TenantId, x.SiteId }).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<DidRow>(b =>
        {
            b.ToTable("dids");
            b.HasKey(x => new { x.TenantId, x.Number });
            b.HasOne<TenantRow>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<RequesterRow>(b =>
        {
            b.ToTable("requesters");
            b.HasKey(x => new { x.TenantId, x.Name });
            b.HasOne<TenantRow>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<WiremapVersionRow>(b =>
        {
            b.ToTable("wiremap_version");
            b.HasKey(x => x.Id);
            b.Property(x => x.Id).ValueGeneratedNever();
        });
        modelBuilder.Entity<NomadicAddressRow>(b =>
        {
            b.ToTable("nomadic_addresses");
            b.HasKey(x => new { x.TenantId, x.DeviceKey, x.NetworkFingerprint });
        });
        modelBuilder.Entity<CallRecordRow>(b =>
        {
            b.ToTable("call_records");
            b.HasKey(x => x.Id);
            b.Property(x => x.Id).ValueGeneratedNever();
            b.HasIndex(x => new { x.TenantId, x.TimeUtc });
        });
        modelBuilder.Entity<ElinAssignmentRow>(b =>
        {
            b.ToTable("elin_assignments");
            b.HasKey(x => new { x.TenantId, x.Elin });
            b.HasIndex(x => new { x.TenantId, x.LocationId });
        });
        modelBuilder.Entity<AlertTargetRow>(b =>
        {
            b.ToTable("alert_targets");
            b.HasKey(x => x.Id);
            b.Property(x => x.Id).ValueGeneratedNever();
            b.HasIndex(x => x.TenantId);
        });
        modelBuilder.Entity<AlertRow>(b =>
        {
            b.ToTable("alerts");
            b.HasKey(x => x.Id);
            b.Property(x => x.Id).ValueGeneratedNever();
            b.HasIndex(x => new { x.TenantId, x.TimeUtc });
        });
        modelBuilder.Entity<AlertDeliveryRow>(b =>
        {
            b.ToTable("alert_deliveries");
            b.HasKey(x => x.Id);
            b.Property(x => x.Id).ValueGeneratedNever();
            b.HasIndex(x => new { x.Status, x.NextAttemptUtc });
            b.HasOne<AlertTargetRow>().WithMany().HasForeignKey(x => x.TargetId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<UnknownNetworkEventRow>(b =>
        {
            b.ToTable("unknown_network_events");
            b.HasKey(x => x.Id);
            b.Property(x => x.Id).ValueGeneratedNever();
            b.HasIndex(x => new { x.TenantId, x.TimeUtc });
        });

        // Administration: API keys and the audit trail (migration 20261204000001).
        modelBuilder.Entity<AdminKeyRow>(b =>
        {
            b.ToTable("admin_keys");
            b.HasKey(x => x.Id);
            b.Property(x => x.Id).ValueGeneratedNever();
            b.HasIndex(x => x.TenantId);
        });
        modelBuilder.Entity<AuditEntryRow>(b =>
        {
            b.ToTable("audit_entries");
            b.HasKey(x => x.Id);
            b.Property(x => x.Id).ValueGeneratedNever();
            b.HasIndex(x => new { x.TenantId, x.Id });
        });
        // Emergency endpoints and users (the endpoint directory).
        modelBuilder.Entity<EmergencyEndpointRow>(b =>
        {
            b.ToTable("emergency_endpoints");
            b.HasKey(x => new { x.TenantId, x.Id });
            b.Property(x => x.Version).IsConcurrencyToken();
            b.HasOne<TenantRow>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<EndpointAssignmentRow>(b =>
        {
            b.ToTable("endpoint_assignments");
            b.HasKey(x => new { x.TenantId, x.Scope, x.Target });
            b.Property(x => x.Version).IsConcurrencyToken();
            b.HasIndex(x => new { x.TenantId, x.EndpointId });
            b.HasOne<TenantRow>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
            // Checked at the end of the statement, so deleting a tenant removes its assignments and endpoints together.
            b.HasOne<EmergencyEndpointRow>().WithMany().HasForeignKey(x => new { x.TenantId, x.EndpointId }).OnDelete(DeleteBehavior.NoAction);
        });
        modelBuilder.Entity<DirectoryUserRow>(b =>
        {
            b.ToTable("directory_users");
            b.HasKey(x => new { x.TenantId, x.Id });
            b.Property(x => x.Version).IsConcurrencyToken();
            b.HasIndex(x => new { x.TenantId, x.SiteId });
            b.HasOne<TenantRow>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<DirectoryUserNumberRow>(b =>
        {
            b.ToTable("directory_user_numbers");
            b.HasKey(x => new { x.TenantId, x.Number });
            b.HasOne<DirectoryUserRow>().WithMany().HasForeignKey(x => new { x.TenantId, x.UserId }).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<DirectoryUserDeviceRow>(b =>
        {
            b.ToTable("directory_user_devices");
            b.HasKey(x => new { x.TenantId, x.Mac });
            b.HasOne<DirectoryUserRow>().WithMany().HasForeignKey(x => new { x.TenantId, x.UserId }).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<EndpointDirectoryVersionRow>(b =>
        {
            b.ToTable("endpoint_directory_versions");
            b.HasKey(x => x.TenantId);
            b.HasOne<TenantRow>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        // GIS data (validation, geocoding, civic LoST): one row per loaded version, shared by all tenants.
        modelBuilder.Entity<GisDatasetRow>(b =>
        {
            b.ToTable("gis_datasets");
            b.HasKey(x => x.Version);
            b.Property(x => x.Version).ValueGeneratedNever();
        });
        modelBuilder.Entity<GisTenantSettingRow>(b =>
        {
            b.ToTable("gis_tenant_settings");
            b.HasKey(x => x.TenantId);
            b.HasOne<TenantRow>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        // Emergency policies, part of the tenant's wiremap (migration 20261206000001).
        modelBuilder.Entity<PolicyRow>(b =>
        {
            b.ToTable("emergency_policies");
            b.HasKey(x => new { x.TenantId, x.Id });
            b.HasOne<TenantRow>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        // PSAP service boundaries, stored and edited (migration 20261206000201).
        modelBuilder.Entity<PsapBoundaryRow>(b =>
        {
            b.ToTable("psap_boundaries");
            b.HasKey(x => x.Id);
        });
        modelBuilder.Entity<PsapBoundaryVersionRow>(b =>
        {
            b.ToTable("psap_boundary_version");
            b.HasKey(x => x.Id);
            b.Property(x => x.Id).ValueGeneratedNever();
        });

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
            foreach (var property in entity.GetProperties())
                property.SetColumnName(SnakeCase(property.Name));
    }

    internal static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && !char.IsUpper(name[i - 1])) builder.Append('_');
                else if (i > 0 && i + 1 < name.Length && char.IsLower(name[i + 1])) builder.Append('_');
                builder.Append(char.ToLowerInvariant(c));
            }
            else builder.Append(c);
        }
        return builder.ToString();
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
