using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LocationServer.Data.Migrations;

/// <summary>
/// Requesters gain the reference-only answer policy (RFC 6753 location by reference). Rows written before answer
/// by value as they did. Hand-written and provider-neutral like <see cref="Initial"/>.
/// </summary>
[DbContext(typeof(LocationDbContext))]
[Migration("20261203000002_RequesterReferenceOnly")]
internal sealed class RequesterReferenceOnly : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.AddColumn<bool>(name: "reference_only", table: "requesters", nullable: false, defaultValue: false);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropColumn(name: "reference_only", table: "requesters");
}
