using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LocationServer.Data.Migrations;

/// <summary>
/// Admin API keys (hashed, with role, scope, expiry and revocation) and the audit trail of admin changes.
/// Hand-written and provider-neutral like <see cref="Initial"/>.
/// </summary>
[DbContext(typeof(LocationDbContext))]
[Migration("20261204000001_AdminAccounts")]
internal sealed class AdminAccounts : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "admin_keys",
            columns: table => new
            {
                id = table.Column<string>(nullable: false),
                secret_sha256 = table.Column<string>(nullable: false),
                role = table.Column<string>(nullable: false),
                tenant_id = table.Column<string>(nullable: true),
                sites = table.Column<string>(nullable: true),
                name = table.Column<string>(nullable: true),
                created_utc = table.Column<DateTime>(nullable: false),
                created_by = table.Column<string>(nullable: false),
                expires_utc = table.Column<DateTime>(nullable: true),
                revoked_utc = table.Column<DateTime>(nullable: true),
                revoked_by = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_admin_keys", x => x.id));
        migrationBuilder.CreateIndex(name: "ix_admin_keys_tenant_id", table: "admin_keys", column: "tenant_id");

        migrationBuilder.CreateTable(
            name: "audit_entries",
            columns: table => new
            {
                id = table.Column<string>(nullable: false),
                time_utc = table.Column<DateTime>(nullable: false),
                actor = table.Column<string>(nullable: false),
                actor_role = table.Column<string>(nullable: false),
                tenant_id = table.Column<string>(nullable: true),
                kind = table.Column<string>(nullable: false),
                method = table.Column<string>(nullable: false),
                route = table.Column<string>(nullable: false),
                object_id = table.Column<string>(nullable: true),
                status = table.Column<int>(nullable: true),
                before = table.Column<string>(nullable: true),
                after = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_audit_entries", x => x.id));
        migrationBuilder.CreateIndex(name: "ix_audit_entries_tenant_id_id", table: "audit_entries", columns: ["tenant_id", "id"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "audit_entries");
        migrationBuilder.DropTable(name: "admin_keys");
    }
}
