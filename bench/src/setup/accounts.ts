import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "@chat/gen/chat/v1/user_pb.js";
import { startProgress } from "../load/progress.ts";

/** A registered user and the token of its one device. */
export interface Account {
  username: string;
  userId: string;
  token: string;
}

/** The password of every bench account (the accounts exist only in bench data dirs). */
const password = "bench-password";

/** Bench usernames: stable, so a fixture can be grown and reused. */
const benchUsername = (i: number) => `bench-${i}`;

/**
 * Registers bench users through AuthService.Register until `accounts` holds `count`, `concurrency`
 * at a time, calling `save` every 100 accounts and at the end (so an interrupted registration
 * resumes where it stopped). Registration hashes a password with argon2id (about 170 ms of CPU
 * here, on purpose): it is done once per store and kept, never per run.
 */
export async function growAccounts(baseUrl: string, accounts: Account[], count: number, concurrency: number, save: () => void): Promise<void> {
  const have = new Set(accounts.map((a) => a.username));
  const missing: string[] = [];
  for (let i = 0; missing.length < count - accounts.length; i++) if (!have.has(benchUsername(i))) missing.push(benchUsername(i));
  if (missing.length === 0) return;
  const auth = createClient(AuthService, createGrpcTransport({ baseUrl }));
  const bar = startProgress(`registering ${missing.length} users`, missing.length, "users");
  let next = 0;
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, async () => {
      while (next < missing.length) {
        const username = missing[next++]!;
        // A name registered by an interrupted run (but not saved) logs in instead.
        const res = await whileBusy(() => auth.register({ username, password, displayName: username, deviceName: "bench" })).catch((err) => {
          if (ConnectError.from(err).code !== Code.AlreadyExists) throw err;
          return whileBusy(() => auth.login({ username, password, deviceName: "bench" }));
        });
        accounts.push({ username, userId: res.user!.id, token: res.token });
        bar.update(next);
        if (accounts.length % 100 === 0) save();
      }
    }));
  } finally {
    save();
    bar.stop();
  }
}

/**
 * Calls `call` again while the server answers ResourceExhausted (its password gate: "busy checking
 * passwords; retry in 3 s"), as a client should: a machine busy with something else (a build, a test
 * suite) slows the registration down instead of ending it. Gives up after about two minutes.
 */
async function whileBusy<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (ConnectError.from(err).code !== Code.ResourceExhausted || attempt >= 40) throw err;
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}
