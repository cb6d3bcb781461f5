using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LocationServer.Data.Migrations;

/// <summary>
/// PSAP service boundaries stored in the database and edited through the admin API: one row per boundary (the polygon
/// as WKT, so both providers store it as text), and the version every change bumps and announces to the replicas.
/// Hand-written and provider-neutral like <see cref="Initial"/>.
/// </summary>
[DbContext(typeof(LocationDbContext))]
[Migration("20261206000201_PsapBoundaries")]
internal sealed class PsapBoundaries : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "psap_boundaries",
            columns: table => new
            {
                id = table.Column<string>(nullable: false),
                tenant_id = table.Column<string>(nullable: true),
                name = table.Column<string>(nullable: false),
                sip_uri = table.Column<string>(nullable: false),
                wkt = table.Column<string>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_psap_boundaries", x => x.id));
        migrationBuilder.CreateTable(
            name: "psap_boundary_version",
            columns: table => new
            {
                id = table.Column<int>(nullable: false),
                version = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_psap_boundary_version", x => x.id));
        migrationBuilder.Sql("INSERT INTO psap_boundary_version (id, version) VALUES (1, 0);");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "psap_boundary_version");
        migrationBuilder.DropTable(name: "psap_boundaries");
    }
}
