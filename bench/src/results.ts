import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LatencySummary } from "./load/histogram.ts";
import type { MachineInfo } from "./machine.ts";
import type { BenchOptions } from "./options.ts";
import { paths } from "./paths.ts";

/** One measured step (one offered rate) of one system. Units are part of the figure names. */
export interface StepResult {
  label: string;
  /** The offered rate of the step (0 when the scenario has none). */
  rate: number;
  figures: Record<string, number>;
  /** Full latency summaries (ms) by name, e.g. "send→ack". */
  latency: Record<string, LatencySummary | undefined>;
  /** Error samples seen during the step. */
  errors: string[];
}

/** All steps of one system in one round. */
export interface RunResult {
  system: string;
  persistence: string;
  round: number;
  steps: StepResult[];
  notes: string[];
}

/** `a ÷ b` for every figure the two systems share, per step, averaged over rounds. */
export interface RatioResult {
  label: string;
  steps: { label: string; rate: number; figures: Record<string, number> }[];
}

/** What a run writes to bench/results/<scenario>-<date>.json. */
export interface BenchResult {
  scenario: string;
  date: string;
  command: string;
  machine: MachineInfo;
  options: BenchOptions;
  runs: RunResult[];
  ratios: RatioResult[];
}

/** Ratios of the chat rows over the Socket.IO row, when both ran. */
export function ratios(runs: readonly RunResult[]): RatioResult[] {
  const peer = runs.filter((r) => r.system === "socketio");
  if (peer.length === 0) return [];
  const systems = [...new Set(runs.map((r) => r.system))].filter((s) => s !== "socketio");
  return systems.map((system) => {
    const ours = runs.filter((r) => r.system === system);
    const steps = ours[0]!.steps.map((step, i) => {
      const figures: Record<string, number> = {};
      for (const name of Object.keys(step.figures)) {
        const a = mean(ours.map((r) => r.steps[i]?.figures[name]));
        const b = mean(peer.map((r) => r.steps[i]?.figures[name]));
        if (a !== undefined && b !== undefined && b !== 0) figures[name] = Math.round((a / b) * 100) / 100;
      }
      return { label: step.label, rate: step.rate, figures };
    });
    return { label: `${system} ÷ socketio`, steps };
  });
}

function mean(values: (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return present.length === 0 ? undefined : present.reduce((a, b) => a + b, 0) / present.length;
}

/** Writes a result file; returns its path. */
export function writeResult(result: BenchResult, out?: string): string {
  const file = out ?? join(paths.results, `${result.scenario}-${result.date.replace(/[:.]/g, "-")}.json`);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** The newest result file of each scenario in `dir`. */
export function latestResults(dir = paths.results): BenchResult[] {
  const newest = new Map<string, string>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const scenario = f.replace(/-\d{4}-.*$/, "");
    newest.set(scenario, f);
  }
  return [...newest.values()].map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as BenchResult);
}
