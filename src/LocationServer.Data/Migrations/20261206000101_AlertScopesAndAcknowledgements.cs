using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LocationServer.Data.Migrations;

/// <summary>
/// Alert targets attach to a scope (the tenant, a site or a dispatchable location); every target stored before is
/// tenant scope, which is what it was. Raised alerts are recorded with their acknowledgement (who took the alert,
/// when). Hand-written and provider-neutral like <see cref="Initial"/>.
/// </summary>
[DbContext(typeof(LocationDbContext))]
[Migration("20261206000101_AlertScopesAndAcknowledgements")]
internal sealed class AlertScopesAndAcknowledgements : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "scope", table: "alert_targets", nullable: false, defaultValue: "tenant");
        migrationBuilder.AddColumn<string>(name: "scope_id", table: "alert_targets", nullable: true);

        migrationBuilder.CreateTable(
            name: "alerts",
            columns: table => new
            {
                id = table.Column<string>(nullable: false),
                tenant_id = table.Column<string>(nullable: false),
                kind = table.Column<string>(nullable: false),
                time_utc = table.Column<DateTime>(nullable: false),
                summary = table.Column<string>(nullable: false),
                acknowledged_by = table.Column<string>(nullable: true),
                acknowledged_utc = table.Column<DateTime>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_alerts", x => x.id));
        migrationBuilder.CreateIndex("ix_alerts_tenant_time", "alerts", ["tenant_id", "time_utc"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "alerts");
        migrationBuilder.DropColumn(name: "scope_id", table: "alert_targets");
        migrationBuilder.DropColumn(name: "scope", table: "alert_targets");
    }
}
