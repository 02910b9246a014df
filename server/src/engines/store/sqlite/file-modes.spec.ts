import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TightenedMode } from "./file-modes.ts";
import { createSqliteStore } from "./sqlite-store.ts";

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("the embedded store's file modes", () => {
  const root = mkdtempSync(join(tmpdir(), "file-modes-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("creates the data dir 0700 and the database, -wal and -shm 0600, whatever the umask", async () => {
    const previous = process.umask(0o002); // a umask that would otherwise leave every file group- and world-readable
    try {
      const dir = join(root, "fresh", "data");
      const store = createSqliteStore({ path: join(dir, "chat.sqlite") });
      await store.createUser({ id: "u1", username: "u1", displayName: "u1", passwordHash: "", createdAt: new Date() });
      expect(modeOf(dir)).toBe(0o700);
      for (const file of ["chat.sqlite", "chat.sqlite-wal", "chat.sqlite-shm"]) expect([file, modeOf(join(dir, file))]).toEqual([file, 0o600]);
      await store.close();
    } finally {
      process.umask(previous);
    }
  });

  it("tightens an existing data dir and files left readable by an older release, and reports it", async () => {
    const dir = join(root, "old");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const path = join(dir, "chat.sqlite");
    const first = createSqliteStore({ path });
    await first.close();
    chmodSync(dir, 0o755);
    chmodSync(path, 0o644);
    writeFileSync(`${path}-wal`, "");
    chmodSync(`${path}-wal`, 0o664);
    let reported: TightenedMode[] = [];
    const store = createSqliteStore({ path, onTightened: (changes) => (reported = changes) });
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(path)).toBe(0o600);
    expect(modeOf(`${path}-wal`)).toBe(0o600);
    expect(reported).toEqual([
      { path: dir, from: 0o755, to: 0o700 }, { path, from: 0o644, to: 0o600 }, { path: `${path}-wal`, from: 0o664, to: 0o600 },
    ]);
    await store.close();
  });
});
