using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LocationServer.Data.Migrations;

/// <summary>
/// The initial schema. Hand-written (no design-time tooling) and provider-neutral: columns are typed by CLR
/// type so each provider picks its own store type (text, boolean, uuid/TEXT, timestamptz/TEXT, double/REAL).
/// </summary>
[DbContext(typeof(LocationDbContext))]
[Migration("20261122000001_Initial")]
internal sealed class Initial : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "tenants",
            columns: table => new
            {
                id = table.Column<string>(nullable: false),
                name = table.Column<string>(nullable: false),
                company_uuid = table.Column<Guid>(nullable: true),
                did_fallback = table.Column<bool>(nullable: false),
                callback_number = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_tenants", x => x.id));

        migrationBuilder.CreateTable(
            name: "sites",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                id = table.Column<string>(nullable: false),
                ordinal = table.Column<int>(nullable: false),
                name = table.Column<string>(nullable: false),
                civic = table.Column<string>(nullable: false),
                latitude = table.Column<double>(nullable: true),
                longitude = table.Column<double>(nullable: true),
                altitude = table.Column<double>(nullable: true),
                callback_number = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_sites", x => new { x.tenant_id, x.id });
                table.ForeignKey("fk_sites_tenants", x => x.tenant_id, "tenants", "id", onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "locations",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                id = table.Column<string>(nullable: false),
                ordinal = table.Column<int>(nullable: false),
                site_id = table.Column<string>(nullable: false),
                floor = table.Column<string>(nullable: true),
                unit = table.Column<string>(nullable: true),
                room = table.Column<string>(nullable: true),
                text = table.Column<string>(nullable: true),
                latitude = table.Column<double>(nullable: true),
                longitude = table.Column<double>(nullable: true),
                altitude = table.Column<double>(nullable: true),
                elins = table.Column<string>(nullable: true),
                callback_number = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_locations", x => new { x.tenant_id, x.id });
                table.ForeignKey("fk_locations_sites", x => new { x.tenant_id, x.site_id }, "sites", ["tenant_id", "id"], onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("ix_locations_tenant_site", "locations", ["tenant_id", "site_id"]);

        migrationBuilder.CreateTable(
            name: "network_elements",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                ordinal = table.Column<int>(nullable: false),
                kind = table.Column<int>(nullable: false),
                value = table.Column<string>(nullable: false),
                normalized_value = table.Column<string>(nullable: false),
                location_id = table.Column<string>(nullable: true),
                site_id = table.Column<string>(nullable: true),
                off_premises = table.Column<bool>(nullable: false),
                description = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_network_elements", x => new { x.tenant_id, x.ordinal });
                table.ForeignKey("fk_network_elements_tenants", x => x.tenant_id, "tenants", "id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("fk_network_elements_locations", x => new { x.tenant_id, x.location_id }, "locations", ["tenant_id", "id"], onDelete: ReferentialAction.Cascade);
                table.ForeignKey("fk_network_elements_sites", x => new { x.tenant_id, x.site_id }, "sites", ["tenant_id", "id"], onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("ix_network_elements_tenant_kind_normalized", "network_elements", ["tenant_id", "kind", "normalized_value"], unique: true);
        migrationBuilder.CreateIndex("ix_network_elements_tenant_location", "network_elements", ["tenant_id", "location_id"]);
        migrationBuilder.CreateIndex("ix_network_elements_tenant_site", "network_elements", ["tenant_id", "site_id"]);

        migrationBuilder.CreateTable(
            name: "dids",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                number = table.Column<string>(nullable: false),
                ordinal = table.Column<int>(nullable: false),
                value = table.Column<string>(nullable: false),
                location_id = table.Column<string>(nullable: false),
                callback_number = table.Column<string>(nullable: true),
                held_capable = table.Column<bool>(nullable: false),
                user_name = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_dids", x => new { x.tenant_id, x.number });
                table.ForeignKey("fk_dids_tenants", x => x.tenant_id, "tenants", "id", onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "requesters",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                name = table.Column<string>(nullable: false),
                ordinal = table.Column<int>(nullable: false),
                key_sha256 = table.Column<string>(nullable: true),
                source_cidrs = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_requesters", x => new { x.tenant_id, x.name });
                table.ForeignKey("fk_requesters_tenants", x => x.tenant_id, "tenants", "id", onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "wiremap_version",
            columns: table => new
            {
                id = table.Column<int>(nullable: false),
                version = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_wiremap_version", x => x.id));
        // Plain SQL: without a model snapshot InsertData cannot type the columns, and this statement is the same on both providers.
        migrationBuilder.Sql("INSERT INTO wiremap_version (id, version) VALUES (1, 0);");

        migrationBuilder.CreateTable(
            name: "nomadic_addresses",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                device_key = table.Column<string>(nullable: false),
                network_fingerprint = table.Column<string>(nullable: false),
                civic = table.Column<string>(nullable: false),
                created_utc = table.Column<DateTime>(nullable: false),
                updated_utc = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_nomadic_addresses", x => new { x.tenant_id, x.device_key, x.network_fingerprint }));

        migrationBuilder.CreateTable(
            name: "call_records",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                tenant_id = table.Column<string>(nullable: false),
                time_utc = table.Column<DateTime>(nullable: false),
                dialed = table.Column<string>(nullable: false),
                calling_number = table.Column<string>(nullable: true),
                token_hash = table.Column<string>(nullable: true),
                location_source = table.Column<string>(nullable: false),
                location_id = table.Column<string>(nullable: true),
                civic_display = table.Column<string>(nullable: true),
                route_kind = table.Column<string>(nullable: false),
                route_uri = table.Column<string>(nullable: true),
                route_name = table.Column<string>(nullable: true),
                callback_number = table.Column<string>(nullable: true),
                test_call = table.Column<bool>(nullable: false),
                call_id = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_call_records", x => x.id));
        migrationBuilder.CreateIndex("ix_call_records_tenant_time", "call_records", ["tenant_id", "time_utc"]);

        migrationBuilder.CreateTable(
            name: "elin_assignments",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                elin = table.Column<string>(nullable: false),
                caller_number = table.Column<string>(nullable: false),
                location_id = table.Column<string>(nullable: false),
                assigned_utc = table.Column<DateTime>(nullable: false),
                expires_utc = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_elin_assignments", x => new { x.tenant_id, x.elin }));
        migrationBuilder.CreateIndex("ix_elin_assignments_tenant_location", "elin_assignments", ["tenant_id", "location_id"]);

        migrationBuilder.CreateTable(
            name: "alert_targets",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                tenant_id = table.Column<string>(nullable: false),
                url = table.Column<string>(nullable: false),
                kinds = table.Column<string>(nullable: false),
                secret = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_alert_targets", x => x.id));
        migrationBuilder.CreateIndex("ix_alert_targets_tenant", "alert_targets", "tenant_id");

        migrationBuilder.CreateTable(
            name: "alert_deliveries",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                target_id = table.Column<Guid>(nullable: false),
                tenant_id = table.Column<string>(nullable: false),
                event_kind = table.Column<string>(nullable: false),
                payload = table.Column<string>(nullable: false),
                attempts = table.Column<int>(nullable: false),
                status = table.Column<int>(nullable: false),
                last_error = table.Column<string>(nullable: true),
                created_utc = table.Column<DateTime>(nullable: false),
                last_attempt_utc = table.Column<DateTime>(nullable: true),
                next_attempt_utc = table.Column<DateTime>(nullable: false),
                delivered_utc = table.Column<DateTime>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_alert_deliveries", x => x.id);
                table.ForeignKey("fk_alert_deliveries_alert_targets", x => x.target_id, "alert_targets", "id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("ix_alert_deliveries_status_next", "alert_deliveries", ["status", "next_attempt_utc"]);
        migrationBuilder.CreateIndex("ix_alert_deliveries_target", "alert_deliveries", "target_id");

        migrationBuilder.CreateTable(
            name: "unknown_network_events",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                tenant_id = table.Column<string>(nullable: false),
                device_key = table.Column<string>(nullable: false),
                network_fingerprint = table.Column<string>(nullable: false),
                time_utc = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_unknown_network_events", x => x.id));
        migrationBuilder.CreateIndex("ix_unknown_network_events_tenant_time", "unknown_network_events", ["tenant_id", "time_utc"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var table in new[]
        {
            "unknown_network_events", "alert_deliveries", "alert_targets", "elin_assignments", "call_records",
            "nomadic_addresses", "wiremap_version", "requesters", "dids", "network_elements", "locations", "sites", "tenants",
        })
            migrationBuilder.DropTable(table);
    }
}
