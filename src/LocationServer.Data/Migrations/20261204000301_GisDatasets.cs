using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LocationServer.Data.Migrations;

/// <summary>
/// GIS data: each loaded data set (the source file's bytes, so every replica builds the same index) as one row per
/// version; each tenant's choice for invalid addresses on save; nomadic addresses keep the point they were geocoded to and their validation when stored.
/// Hand-written and provider-neutral like <see cref="Initial"/>.
/// </summary>
[DbContext(typeof(LocationDbContext))]
[Migration("20261204000301_GisDatasets")]
internal sealed class GisDatasets : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "gis_datasets",
            columns: table => new
            {
                version = table.Column<long>(nullable: false),
                name = table.Column<string>(nullable: false),
                format = table.Column<string>(nullable: false),
                content = table.Column<byte[]>(nullable: false),
                sha256 = table.Column<string>(nullable: false),
                loaded_utc = table.Column<DateTime>(nullable: false),
                features = table.Column<int>(nullable: false),
                problems = table.Column<int>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_gis_datasets", x => x.version));
        migrationBuilder.CreateTable(
            name: "gis_tenant_settings",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                invalid_addresses = table.Column<string>(nullable: false),
                updated_utc = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_gis_tenant_settings", x => x.tenant_id);
                table.ForeignKey("fk_gis_tenant_settings_tenants_tenant_id", x => x.tenant_id, "tenants", "id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.AddColumn<double>(name: "latitude", table: "nomadic_addresses", nullable: true);
        migrationBuilder.AddColumn<double>(name: "longitude", table: "nomadic_addresses", nullable: true);
        migrationBuilder.AddColumn<string>(name: "validation", table: "nomadic_addresses", nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "validation", table: "nomadic_addresses");
        migrationBuilder.DropColumn(name: "longitude", table: "nomadic_addresses");
        migrationBuilder.DropColumn(name: "latitude", table: "nomadic_addresses");
        migrationBuilder.DropTable(name: "gis_tenant_settings");
        migrationBuilder.DropTable(name: "gis_datasets");
    }
}
