import type { BenchResult } from "./results.ts";

/**
 * The summary printed at the end of a run: one table per step, a row per figure, a column per
 * system (rounds averaged) and per ratio, then what each system persists and any notes.
 */
export function renderTables(result: BenchResult): string {
  const systems = [...new Set(result.runs.map((r) => r.system))];
  const out: string[] = [];
  const stepCount = Math.max(...result.runs.map((r) => r.steps.length));
  for (let i = 0; i < stepCount; i++) {
    const label = result.runs.find((r) => r.steps[i])?.steps[i]?.label ?? `step ${i + 1}`;
    const columns = [
      ...systems.map((s) => ({ title: s, value: (f: string) => avg(result.runs.filter((r) => r.system === s).map((r) => r.steps[i]?.figures[f])) })),
      ...result.ratios.map((ratio) => ({ title: ratio.label, value: (f: string) => ratio.steps[i]?.figures[f] })),
    ];
    const names = [...new Set(result.runs.flatMap((r) => Object.keys(r.steps[i]?.figures ?? {})))];
    const rows = names.map((name) => [name, ...columns.map((c) => format(c.value(name)))]);
    out.push(`\n${result.scenario} — ${label}`, table([["", ...columns.map((c) => c.title)], ...rows]));
  }
  out.push("");
  for (const s of systems) out.push(`${s}: ${result.runs.find((r) => r.system === s)!.persistence}`);
  const rounds = Math.max(...result.runs.map((r) => r.round));
  if (rounds > 1) out.push(`${rounds} rounds, alternating; figures are the mean of the rounds`);
  for (const r of result.runs) for (const n of r.notes) out.push(`note (${r.system}, round ${r.round}): ${n}`);
  out.push(`machine: ${result.machine.nproc} cores, ${result.machine.model}, node ${result.machine.node}`);
  out.push(`load before: ${result.machine.uptimeBefore}`, `load after:  ${result.machine.uptimeAfter}`);
  return out.join("\n");
}

function avg(values: (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length === 0 ? undefined : present.reduce((a, b) => a + b, 0) / present.length;
}

function format(v: number | undefined): string {
  if (v === undefined) return "";
  if (Number.isNaN(v)) return "–";
  if (Number.isInteger(v) || Math.abs(v) >= 100) return Math.round(v).toLocaleString("en-US");
  return v.toFixed(2);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}
