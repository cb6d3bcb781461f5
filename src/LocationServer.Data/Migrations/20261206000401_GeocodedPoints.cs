using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LocationServer.Data.Migrations;

/// <summary>
/// Sites and dispatchable locations record the GIS data version their point was geocoded from (null: a point given by
/// the administrator, or none). Rows written before count as given. Hand-written and provider-neutral like
/// <see cref="Initial"/>.
/// </summary>
[DbContext(typeof(LocationDbContext))]
[Migration("20261206000401_GeocodedPoints")]
internal sealed class GeocodedPoints : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<long>(name: "geocoded_version", table: "sites", nullable: true);
        migrationBuilder.AddColumn<long>(name: "geocoded_version", table: "locations", nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "geocoded_version", table: "locations");
        migrationBuilder.DropColumn(name: "geocoded_version", table: "sites");
    }
}
