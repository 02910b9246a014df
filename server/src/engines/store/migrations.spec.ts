import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { pendingMigrations } from "./migrations.ts";
import { cqlMigrations } from "./scylla/migrations.ts";
import { migrateSqlite, type SqliteMigration, sqliteMigrations } from "./sqlite/migrations.ts";

describe("schema migrations", () => {
  it("each store's list is numbered 1, 2, 3… with snake_case names", () => {
    expect(() => pendingMigrations(sqliteMigrations, [])).not.toThrow();
    expect(() => pendingMigrations(cqlMigrations, [])).not.toThrow();
    expect(() => pendingMigrations([{ version: 2, name: "gap", up: "" }], [])).toThrow(/expected 1/);
    expect(() => pendingMigrations([{ version: 1, name: "Bad Name", up: "" }], [])).toThrow(/snake_case/);
  });

  it("refuses a database whose version N is another migration than the code's version N", () => {
    expect(() => pendingMigrations([{ version: 1, name: "add_x", up: "" }], [{ version: 1, name: "add_y" }]))
      .toThrow(/records migration 1 as "add_y"/);
  });

  it("applies only what is pending, once, and records it; a newer database is accepted and reported", () => {
    const db = new DatabaseSync(":memory:");
    const v2: SqliteMigration = { version: 2, name: "add_notes", up: "CREATE TABLE notes (id TEXT PRIMARY KEY) WITHOUT ROWID" };
    expect(migrateSqlite(db).applied.map((m) => m.version)).toEqual([1]);
    expect(migrateSqlite(db, [...sqliteMigrations, v2])).toEqual({ applied: [{ version: 2, name: "add_notes" }], version: 2, unknown: [] });
    expect(migrateSqlite(db, [...sqliteMigrations, v2]).applied).toEqual([]);
    // The code of the release before (no v2) still opens it: migrations are additive.
    expect(migrateSqlite(db)).toEqual({ applied: [], version: 2, unknown: [{ version: 2, name: "add_notes" }] });
  });

  it("a failing migration leaves neither its changes nor its record", () => {
    const db = new DatabaseSync(":memory:");
    const broken: SqliteMigration = { version: 2, name: "broken", up: "CREATE TABLE half (id TEXT); CREATE TABLE oops (" };
    expect(() => migrateSqlite(db, [...sqliteMigrations, broken])).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    expect(db.prepare("SELECT max(version) AS v FROM schema_migrations").get()).toEqual({ v: 1 });
  });
});
