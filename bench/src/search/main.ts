#!/usr/bin/env node
// Search p99 over a million stored messages on one node, for docs/benchmarks.md:
//
//   npm run bench:search -- [--messages 1000000] [--rounds 3] [--queries 200] [--data-dir DIR]
//
// Loads a synthetic corpus (corpus.ts: Zipf-distributed words, 1000 groups of 8 of 200 users, 5 %
// with a file) straight through the store's writes into DIR/chat.sqlite (reused when DIR already
// holds one of the same size), starts the real server on it (its own process, as deployed), and
// per round sends each kind of query `--queries` times, one at a time, over gRPC, as a user of ~40
// conversations: the latency of one search, not of a queue. Prints p50/p99/max per kind and round.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SearchService } from "@chat/gen/chat/v1/search_pb.js";
import { machineInfo, uptime } from "../machine.ts";
import { type Corpus, defaultShape, loadCorpus, prng } from "./corpus.ts";

const { values } = parseArgs({ options: {
  messages: { type: "string", default: "1000000" }, rounds: { type: "string", default: "3" },
  queries: { type: "string", default: "200" }, "data-dir": { type: "string" },
} });
const messages = Number(values.messages);
const rounds = Number(values.rounds);
const perKind = Number(values.queries);
const keep = values["data-dir"] !== undefined;
const dataDir = values["data-dir"] ?? mkdtempSync(join(tmpdir(), "search-bench-"));
mkdirSync(dataDir, { recursive: true });
const machine = machineInfo();
console.log(`search bench: ${messages} messages, ${rounds} rounds × ${perKind} queries per kind; ${machine.uptimeBefore}`);

const corpus = loadOrReuse();
const port = await freePort();
const server = spawn(process.execPath, ["server/src/main.ts", "--port", String(port), "--data-dir", dataDir], { stdio: ["ignore", "ignore", "inherit"] });
try {
  await waitForServer(`http://127.0.0.1:${port}`, corpus.users[0]!.token);
  const kinds = queryKinds(corpus);
  const results: Record<string, { p50: number; p99: number; max: number; hits: number }[]> = {};
  for (let round = 1; round <= rounds; round++) {
    for (const kind of kinds) {
      const r = await measure(`http://127.0.0.1:${port}`, kind, round);
      (results[kind.name] ??= []).push(r);
      console.log(`round ${round} | ${kind.name.padEnd(28)} | p50 ${ms(r.p50)} | p99 ${ms(r.p99)} | max ${ms(r.max)} | ${r.hits.toFixed(1)} hits/page`);
    }
  }
  console.log(`\nkind | p99 median of ${rounds} rounds (min–max) | p50 median`);
  for (const [name, rs] of Object.entries(results)) {
    const p99s = rs.map((r) => r.p99).sort((a, b) => a - b);
    console.log(`${name} | ${ms(median(p99s))} (${ms(p99s[0]!)}–${ms(p99s.at(-1)!)}) | ${ms(median(rs.map((r) => r.p50)))}`);
  }
  console.log(`load: ${corpus.loadSeconds.toFixed(0)} s; ${uptime()}`);
} finally {
  server.kill();
  if (!keep) rmSync(dataDir, { recursive: true, force: true });
}

/** The corpus in `dataDir`: loaded now, or the one a previous run left there (its description in corpus.json). */
function loadOrReuse(): Corpus {
  const described = join(dataDir, "corpus.json");
  if (existsSync(described)) {
    const previous = JSON.parse(readFileSync(described, "utf8")) as Corpus;
    if (previous.shape.messages === messages) {
      console.log(`reusing the corpus in ${dataDir} (loaded in ${previous.loadSeconds.toFixed(0)} s)`);
      return previous;
    }
  }
  rmSync(join(dataDir, "chat.sqlite"), { force: true });
  let last = 0;
  const loaded = loadCorpus(join(dataDir, "chat.sqlite"), defaultShape(messages), (done) => {
    if (done - last >= 100_000 || done === messages) console.log(`  loaded ${(last = done)} messages`);
  });
  console.log(`loaded ${messages} messages in ${loaded.loadSeconds.toFixed(0)} s (${(messages / loaded.loadSeconds).toFixed(0)}/s)`);
  writeFileSync(described, JSON.stringify(loaded));
  return loaded;
}

/** One kind of query: how to make the i-th one (a query text, maybe a conversation) for a searcher. */
interface QueryKind {
  name: string;
  make(random: () => number): { user: Corpus["users"][number]; query: string; conversationId?: string };
}

function queryKinds(c: Corpus): QueryKind[] {
  const pick = <T>(xs: readonly T[], random: () => number) => xs[Math.floor(random() * xs.length)]!;
  const user = (random: () => number) => pick(c.users, random);
  const common = c.words.slice(0, 3);
  const rare = c.words.slice(Math.floor(c.words.length * 0.6));
  const mid = c.words.slice(50, 500);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return [
    { name: "rare word", make: (r) => ({ user: user(r), query: pick(rare, r) }) },
    { name: "common word", make: (r) => ({ user: user(r), query: pick(common, r) }) },
    { name: "two words", make: (r) => ({ user: user(r), query: `${pick(mid, r)} ${pick(common, r)}` }) },
    { name: "prefix (3 letters)", make: (r) => ({ user: user(r), query: `${[...pick(mid, r)].slice(0, 3).join("")}*` }) },
    { name: "phrase", make: (r) => ({ user: user(r), query: `"${c.words[0]} ${c.words[1]}"` }) },
    { name: "filter from: + has:file", make: (r) => {
      const u = user(r);
      return { user: u, query: `from:@${pick(c.users, r).username} has:file` };
    } },
    { name: "word + date range", make: (r) => {
      const start = c.from + r() * (c.until - c.from) * 0.9;
      return { user: user(r), query: `${pick(mid, r)} after:${day(start)} before:${day(start + 30 * 86_400_000)}` };
    } },
    { name: "common word, one conversation", make: (r) => {
      const u = user(r);
      return { user: u, query: pick(common, r), conversationId: pick(u.conversationIds, r) };
    } },
    { name: "rare word, one conversation", make: (r) => {
      const u = user(r);
      return { user: u, query: pick(rare, r), conversationId: pick(u.conversationIds, r) };
    } },
  ];
}

async function measure(url: string, kind: QueryKind, round: number) {
  const random = prng(round * 1000 + kind.name.length);
  const latencies: number[] = [];
  let hits = 0;
  // One HTTP/2 connection for every searcher (each call carries its user's token): a node limits
  // the connections of one address, and a client holds one connection, not one per user.
  const client = searchClient(url);
  for (let i = 0; i < perKind; i++) {
    const { user, query, conversationId } = kind.make(random);
    const started = performance.now();
    const res = await client.searchMessages({ query, conversationId: conversationId ?? "" }, { headers: { authorization: `Bearer ${user.token}` } });
    latencies.push(performance.now() - started);
    hits += res.hits.length;
  }
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: latencies.at(-1)!, hits: hits / perKind };
}

async function waitForServer(url: string, token: string): Promise<void> {
  const client = searchClient(url);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await client.searchMessages({ query: "warmup" }, { headers: { authorization: `Bearer ${token}` } });
      return;
    } catch (err) {
      if (ConnectError.from(err).code !== Code.Unavailable || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** A SearchService client over gRPC (HTTP/2); each call passes its token. */
function searchClient(url: string) {
  return createClient(SearchService, createGrpcTransport({ baseUrl: url }));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

function ms(x: number): string {
  return `${x.toFixed(1)} ms`;
}
