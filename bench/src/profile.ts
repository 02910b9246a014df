#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { paths } from "./paths.ts";

/**
 * `node bench/src/profile.ts <file.cpuprofile> [top]`: the functions that took the most CPU in a
 * V8 profile (as written by `node --cpu-prof`, which `--cpu-prof` of the bench passes to the server),
 * by self time and by total time (self plus callees), so that a run's cost can be named.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self and total time per function (µs), heaviest first. */
export function summarizeProfile(profile: CpuProfile): { name: string; selfUs: number; totalUs: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const label = (n: ProfileNode) => {
    const f = n.callFrame;
    const where = f.url ? `${relative(paths.repoRoot, f.url.replace(/^file:\/\//, ""))}:${f.lineNumber + 1}` : "";
    return `${f.functionName || "(anonymous)"} ${where}`.trim();
  };
  const totals = new Map<string, { selfUs: number; totalUs: number }>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const entry = totals.get(label(node)) ?? { selfUs: 0, totalUs: 0 };
    entry.selfUs += us;
    totals.set(label(node), entry);
    // Charge the sample to every distinct function on its stack once (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = label(byId.get(cur)!);
      if (seen.has(name)) continue;
      seen.add(name);
      const e = totals.get(name) ?? { selfUs: 0, totalUs: 0 };
      e.totalUs += us;
      totals.set(name, e);
    }
  }
  return [...totals].map(([name, t]) => ({ name, ...t })).sort((a, b) => b.selfUs - a.selfUs);
}

if (import.meta.main) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    console.error("usage: node bench/src/profile.ts <file.cpuprofile> [top]");
    process.exit(2);
  }
  const rows = summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as CpuProfile);
  const all = rows.reduce((n, r) => n + r.selfUs, 0);
  const top = Number(topArg ?? 25);
  const pct = (us: number) => `${((us / all) * 100).toFixed(1).padStart(5)}%`;
  console.log(`total sampled: ${(all / 1e6).toFixed(1)} s\n\nby self time:`);
  for (const r of rows.slice(0, top)) console.log(`${pct(r.selfUs)}  ${r.name}`);
  console.log("\nby total time (self + callees):");
  for (const r of [...rows].sort((a, b) => b.totalUs - a.totalUs).slice(0, top)) console.log(`${pct(r.totalUs)}  ${r.name}`);
}
