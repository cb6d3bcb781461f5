using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LocationServer.Data.Migrations;

/// <summary>
/// Emergency endpoints (callback number and billing address), their assignments to a tenant, site, user or device,
/// user records with their DIDs and device MACs, and the per-tenant version of this directory that every replica
/// polls. Hand-written and provider-neutral like <see cref="Initial"/>.
/// </summary>
[DbContext(typeof(LocationDbContext))]
[Migration("20261204000101_EmergencyEndpoints")]
internal sealed class EmergencyEndpoints : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "emergency_endpoints",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                id = table.Column<string>(nullable: false),
                callback_number = table.Column<string>(nullable: false),
                label = table.Column<string>(nullable: true),
                site_id = table.Column<string>(nullable: true),
                billing_civic = table.Column<string>(nullable: false),
                version = table.Column<long>(nullable: false),
                created_utc = table.Column<DateTime>(nullable: false),
                updated_utc = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_emergency_endpoints", x => new { x.tenant_id, x.id });
                table.ForeignKey("fk_emergency_endpoints_tenants", x => x.tenant_id, "tenants", "id", onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "endpoint_assignments",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                scope = table.Column<int>(nullable: false),
                target = table.Column<string>(nullable: false),
                endpoint_id = table.Column<string>(nullable: false),
                version = table.Column<long>(nullable: false),
                updated_utc = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_endpoint_assignments", x => new { x.tenant_id, x.scope, x.target });
                table.ForeignKey("fk_endpoint_assignments_tenants", x => x.tenant_id, "tenants", "id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("fk_endpoint_assignments_endpoints", x => new { x.tenant_id, x.endpoint_id }, "emergency_endpoints", ["tenant_id", "id"], onDelete: ReferentialAction.NoAction);
            });
        migrationBuilder.CreateIndex("ix_endpoint_assignments_tenant_endpoint", "endpoint_assignments", ["tenant_id", "endpoint_id"]);

        migrationBuilder.CreateTable(
            name: "directory_users",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                id = table.Column<string>(nullable: false),
                display_name = table.Column<string>(nullable: false),
                email = table.Column<string>(nullable: true),
                site_id = table.Column<string>(nullable: true),
                version = table.Column<long>(nullable: false),
                created_utc = table.Column<DateTime>(nullable: false),
                updated_utc = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_directory_users", x => new { x.tenant_id, x.id });
                table.ForeignKey("fk_directory_users_tenants", x => x.tenant_id, "tenants", "id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("ix_directory_users_tenant_site", "directory_users", ["tenant_id", "site_id"]);

        migrationBuilder.CreateTable(
            name: "directory_user_numbers",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                number = table.Column<string>(nullable: false),
                user_id = table.Column<string>(nullable: false),
                ordinal = table.Column<int>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_directory_user_numbers", x => new { x.tenant_id, x.number });
                table.ForeignKey("fk_directory_user_numbers_users", x => new { x.tenant_id, x.user_id }, "directory_users", ["tenant_id", "id"], onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("ix_directory_user_numbers_user", "directory_user_numbers", ["tenant_id", "user_id"]);

        migrationBuilder.CreateTable(
            name: "directory_user_devices",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                mac = table.Column<string>(nullable: false),
                user_id = table.Column<string>(nullable: false),
                ordinal = table.Column<int>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_directory_user_devices", x => new { x.tenant_id, x.mac });
                table.ForeignKey("fk_directory_user_devices_users", x => new { x.tenant_id, x.user_id }, "directory_users", ["tenant_id", "id"], onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("ix_directory_user_devices_user", "directory_user_devices", ["tenant_id", "user_id"]);

        migrationBuilder.CreateTable(
            name: "endpoint_directory_versions",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                version = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_endpoint_directory_versions", x => x.tenant_id);
                table.ForeignKey("fk_endpoint_directory_versions_tenants", x => x.tenant_id, "tenants", "id", onDelete: ReferentialAction.Cascade);
            });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "endpoint_directory_versions");
        migrationBuilder.DropTable(name: "directory_user_devices");
        migrationBuilder.DropTable(name: "directory_user_numbers");
        migrationBuilder.DropTable(name: "directory_users");
        migrationBuilder.DropTable(name: "endpoint_assignments");
        migrationBuilder.DropTable(name: "emergency_endpoints");
    }
}
