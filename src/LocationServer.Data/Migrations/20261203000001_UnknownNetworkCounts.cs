using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LocationServer.Data.Migrations;

/// <summary>
/// Unknown-network events become one record per network and interval with a request count and the time of the
/// latest request, instead of one record per request. Rows written before keep count 1 and no last time, which is
/// what they were. Hand-written and provider-neutral like <see cref="Initial"/>.
/// </summary>
[DbContext(typeof(LocationDbContext))]
[Migration("20261203000001_UnknownNetworkCounts")]
internal sealed class UnknownNetworkCounts : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<int>(name: "request_count", table: "unknown_network_events", nullable: false, defaultValue: 1);
        migrationBuilder.AddColumn<DateTime>(name: "last_utc", table: "unknown_network_events", nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "last_utc", table: "unknown_network_events");
        migrationBuilder.DropColumn(name: "request_count", table: "unknown_network_events");
    }
}
