using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LocationServer.Data.Migrations;

/// <summary>
/// Sites remember the Microsoft Teams LIS civic address they came from (<c>CivicAddressId</c> and its
/// <c>DefaultLocationId</c>), and dispatchable locations their Teams <c>LocationId</c>, so that Teams network files
/// imported later resolve their LocationIds and exports write them back. Null for everything stored before.
/// Hand-written and provider-neutral like <see cref="Initial"/>.
/// </summary>
[DbContext(typeof(LocationDbContext))]
[Migration("20261207000001_TeamsLisIds")]
internal sealed class TeamsLisIds : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<Guid>(name: "teams_civic_address_id", table: "sites", nullable: true);
        migrationBuilder.AddColumn<Guid>(name: "teams_location_id", table: "sites", nullable: true);
        migrationBuilder.AddColumn<Guid>(name: "teams_location_id", table: "locations", nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "teams_location_id", table: "locations");
        migrationBuilder.DropColumn(name: "teams_location_id", table: "sites");
        migrationBuilder.DropColumn(name: "teams_civic_address_id", table: "sites");
    }
}
