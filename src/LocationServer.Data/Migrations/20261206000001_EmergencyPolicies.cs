using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LocationServer.Data.Migrations;

/// <summary>
/// Emergency policies, part of each tenant's wiremap (one row per policy, its settings as a JSON object), and the
/// policy that decided each call's route in its call record. Hand-written and provider-neutral like <see cref="Initial"/>.
/// </summary>
[DbContext(typeof(LocationDbContext))]
[Migration("20261206000001_EmergencyPolicies")]
internal sealed class EmergencyPolicies : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "emergency_policies",
            columns: table => new
            {
                tenant_id = table.Column<string>(nullable: false),
                id = table.Column<string>(nullable: false),
                ordinal = table.Column<int>(nullable: false),
                document = table.Column<string>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_emergency_policies", x => new { x.tenant_id, x.id });
                table.ForeignKey("fk_emergency_policies_tenants", x => x.tenant_id, "tenants", "id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.AddColumn<string>(name: "policy_id", table: "call_records", nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "policy_id", table: "call_records");
        migrationBuilder.DropTable(name: "emergency_policies");
    }
}
