using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LocationServer.Data.Migrations;

/// <summary>
/// An alert target may carry several addresses of its channel (several mailto: recipients, several SMS numbers):
/// <c>url</c> keeps the first, the new <c>addresses</c> column the others, space-separated. Targets stored before have
/// one address and a null <c>addresses</c>, which is what they were. Hand-written and provider-neutral like
/// <see cref="Initial"/>.
/// </summary>
[DbContext(typeof(LocationDbContext))]
[Migration("20261207000101_AlertTargetAddresses")]
internal sealed class AlertTargetAddresses : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.AddColumn<string>(name: "addresses", table: "alert_targets", nullable: true);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropColumn(name: "addresses", table: "alert_targets");
}
