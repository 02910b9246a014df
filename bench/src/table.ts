import type { BenchResult } from "./results.ts";

/**
 * The summary printed at the end of a run: one table per step, a row per figure, a column per
 * system (rounds averaged) and per ratio, then what each system persists and any notes.
 */
export function renderTables(result: BenchResult): string {
  const systems = [...new Set(result.runs.map((r) => r.system))];
  const out: string[] = [];
  for (const step of stepTables(result)) out.push(`\n${result.scenario} — ${step.label}`, table(step.rows));
  out.push("");
  for (const s of systems) out.push(`${s}: ${result.runs.find((r) => r.system === s)!.persistence}`);
  const rounds = Math.max(...result.runs.map((r) => r.round));
  if (rounds > 1) out.push(`${rounds} rounds, alternating; figures are the mean of the rounds`);
  for (const r of result.runs) for (const n of r.notes) out.push(`note (${r.system}, round ${r.round}): ${n}`);
  out.push(`machine: ${result.machine.nproc} cores, ${result.machine.model}, node ${result.machine.node}`);
  out.push(`load before: ${result.machine.uptimeBefore}`, `load after:  ${result.machine.uptimeAfter}`);
  return out.join("\n");
}

/** The same tables in Markdown, for docs/benchmarks.md (`npm run bench:report -- --markdown`). */
export function renderMarkdown(result: BenchResult): string {
  const out = [`Command: \`${result.command}\` — ${result.date} — load before: ${loadOf(result.machine.uptimeBefore)}, after: ${loadOf(result.machine.uptimeAfter)}`];
  for (const step of stepTables(result)) {
    const [head, ...rows] = step.rows;
    out.push("", `**${step.label}**`, "", `| ${head!.map((h) => h || "figure").join(" | ")} |`, `|${head!.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`,
      ...rows.map((r) => `| ${r.join(" | ")} |`));
  }
  return out.join("\n");
}

const loadOf = (uptime: string) => uptime.replace(/.*load average:\s*/, "");

/** Per step: a header row (systems, then ratios) and a row per figure, rounds averaged. */
function stepTables(result: BenchResult): { label: string; rows: string[][] }[] {
  const systems = [...new Set(result.runs.map((r) => r.system))];
  const stepCount = Math.max(...result.runs.map((r) => r.steps.length));
  return Array.from({ length: stepCount }, (_, i) => {
    const label = result.runs.find((r) => r.steps[i])?.steps[i]?.label ?? `step ${i + 1}`;
    const columns = [
      ...systems.map((s) => ({ title: s, value: (f: string) => avg(result.runs.filter((r) => r.system === s).map((r) => r.steps[i]?.figures[f])) })),
      ...result.ratios.map((ratio) => ({ title: ratio.label, value: (f: string) => ratio.steps[i]?.figures[f] })),
    ];
    const names = [...new Set(result.runs.flatMap((r) => Object.keys(r.steps[i]?.figures ?? {})))];
    return { label, rows: [["", ...columns.map((c) => c.title)], ...names.map((name) => [name, ...columns.map((c) => format(c.value(name)))])] };
  });
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
