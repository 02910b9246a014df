import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { LiveCursor } from "@chat/client";

/**
 * Where a bot keeps, per conversation, the seq of the last message it has handled: on restart it
 * resumes after them, so that nothing sent while it was down is lost and nothing is handled twice.
 * Pluggable: a bot on several machines keeps them in a database.
 */
export interface CursorStore {
  /** The cursors saved by an earlier run; empty on a first run. */
  load(): Promise<LiveCursor[]>;
  /** Saves that every message up to `seq` in the conversation was handled. */
  save(conversationId: string, seq: bigint): Promise<void>;
}

/**
 * Cursors in a JSON file (the default). Each save rewrites the file through a temporary file and a
 * rename, so a crash mid-write leaves the previous version, never half a file.
 */
export function fileCursorStore(path: string): CursorStore {
  const cursors = new Map<string, bigint>();
  let writing: Promise<void> = Promise.resolve();
  return {
    async load() {
      const text = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return "{}"; // a first run
        throw err;
      });
      for (const [conversationId, seq] of Object.entries(JSON.parse(text) as Record<string, string>)) cursors.set(conversationId, BigInt(seq));
      return [...cursors].map(([conversationId, seq]) => ({ conversationId, seq }));
    },
    save(conversationId, seq) {
      if ((cursors.get(conversationId) ?? -1n) >= seq) return writing;
      cursors.set(conversationId, seq);
      const json = JSON.stringify(Object.fromEntries([...cursors].map(([id, s]) => [id, s.toString()])));
      // One write at a time, in order: the last one holds the newest cursors.
      writing = writing.then(async () => {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(`${path}.tmp`, json);
        await rename(`${path}.tmp`, path);
      });
      return writing;
    },
  };
}

/** Cursors in memory only: a restart starts from what is new (tests, throwaway bots). */
export function memoryCursorStore(): CursorStore {
  const cursors = new Map<string, bigint>();
  return {
    async load() {
      return [...cursors].map(([conversationId, seq]) => ({ conversationId, seq }));
    },
    async save(conversationId, seq) {
      if ((cursors.get(conversationId) ?? -1n) < seq) cursors.set(conversationId, seq);
    },
  };
}
