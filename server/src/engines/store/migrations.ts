/**
 * Versioned schema migrations, shared by both stores (see docs/operations.md, "Adding a migration").
 *
 * A migration has a version (1, 2, 3… with no gap), a name, and a body in the store's own language.
 * Migrations only go forward: there is no "down". Each one applied is recorded in the database
 * (`schema_migrations`: version, name, applied_at), so a store knows where it stands, and a node
 * applies only what is missing, in order, at start (or `node server/src/migrate.ts` does, first).
 *
 * Migrations must be additive (new tables, new columns, new indexes): during a rolling update the
 * nodes of the previous release keep running on the migrated schema. A database recorded at a newer
 * version than this code knows is therefore accepted (a rollback of the code, not of the schema).
 */
export interface Migration<Body> {
  /** 1 for the first; each next one is the previous + 1. Never renumber one that has shipped. */
  version: number;
  /** What it does, snake_case (`add_bot_accounts`); recorded beside the version. */
  name: string;
  /** The store-specific work. */
  up: Body;
}

/** One row of `schema_migrations`. */
export interface AppliedMigration {
  version: number;
  name: string;
}

/** What a migration run did, for the startup log and `migrate.ts`. */
export interface MigrationReport {
  /** The versions applied by this run, in order. */
  applied: AppliedMigration[];
  /** The database's version afterwards (the highest recorded). */
  version: number;
  /** Recorded versions this code does not know (applied by a newer release). */
  unknown: AppliedMigration[];
}

/**
 * Checks the code's migrations against what the database has recorded and returns those still to
 * apply, in order. Throws when the code's list is malformed, or when a recorded version carries
 * another name than the code's migration of that version: two branches each added their own
 * version N, and applying either on top of the other would leave the schema neither expects.
 */
export function pendingMigrations<Body>(
  migrations: readonly Migration<Body>[], recorded: readonly AppliedMigration[],
): { pending: Migration<Body>[]; unknown: AppliedMigration[] } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration "${m.name}" has version ${m.version}, expected ${i + 1}: versions are 1, 2, 3… in order`);
    if (!/^[a-z0-9_]+$/.test(m.name)) throw new Error(`migration ${m.version}: name "${m.name}" must be snake_case`);
  });
  const byVersion = new Map(recorded.map((r) => [r.version, r]));
  for (const m of migrations) {
    const r = byVersion.get(m.version);
    if (r && r.name !== m.name) {
      throw new Error(`the database records migration ${m.version} as "${r.name}", but this code's migration ${m.version} is "${m.name}": ` +
        "two releases numbered different migrations alike; renumber the unreleased one");
    }
  }
  return {
    pending: migrations.filter((m) => !byVersion.has(m.version)),
    unknown: recorded.filter((r) => r.version > migrations.length).sort((a, b) => a.version - b.version),
  };
}

/** The highest version among recorded and newly applied migrations (0 for an empty database). */
export function versionAfter(recorded: readonly AppliedMigration[], applied: readonly AppliedMigration[]): number {
  return Math.max(0, ...recorded.map((r) => r.version), ...applied.map((a) => a.version));
}
