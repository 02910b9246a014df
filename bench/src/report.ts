#!/usr/bin/env node
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { paths } from "./paths.ts";
import { type BenchResult, latestResults } from "./results.ts";
import { renderMarkdown } from "./table.ts";

/**
 * `npm run bench:report`: renders the newest result of each scenario in bench/results/ as an SVG
 * chart in docs/benchmarks/ (Vega-Lite specs rendered by Vega in Node, no browser needed).
 * `-- --markdown` also prints each result's tables in Markdown, for docs/benchmarks.md; result files
 * given as arguments are rendered instead of the newest ones.
 */
interface Row {
  system: string;
  step: string;
  rate: number;
  figure: string;
  value: number;
}

/** One row per (system, step, figure), rounds averaged; NaN figures (nothing measured) left out. */
function rows(result: BenchResult, figures: readonly string[]): Row[] {
  const out: Row[] = [];
  for (const system of new Set(result.runs.map((r) => r.system))) {
    const runs = result.runs.filter((r) => r.system === system);
    runs[0]!.steps.forEach((step, i) => {
      for (const figure of figures) {
        const values = runs.map((r) => r.steps[i]?.figures[figure]).filter((v): v is number => v !== undefined && Number.isFinite(v));
        if (values.length > 0) out.push({ system, step: step.label, rate: step.rate, figure, value: values.reduce((a, b) => a + b, 0) / values.length });
      }
    });
  }
  return out;
}

const subtitle = (r: BenchResult) => `${r.date.slice(0, 10)} · ${r.machine.nproc} cores ${r.machine.model} · load before: ${r.machine.uptimeBefore.replace(/.*load average:\s*/, "")}`;

/** Throughput and latency against the offered rate, one colour per system. */
function trafficSpec(result: BenchResult): TopLevelSpec {
  const throughput = result.scenario === "group" ? "delivered/s" : "accepted msg/s";
  const latency = ["recv p50 ms", "recv p99 ms", "recv p99.9 ms"];
  const color = { field: "system", type: "nominal", title: "system" } as const;
  const offered = { field: "rate", type: "ordinal", title: "offered msg/s", axis: { labelAngle: 0 } } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: { text: `${result.scenario}: throughput and send→receive latency`, subtitle: subtitle(result) },
    data: { values: rows(result, [throughput, ...latency]) },
    hconcat: [
      {
        title: throughput, width: 260, height: 220,
        transform: [{ filter: { field: "figure", equal: throughput } }],
        mark: "bar",
        encoding: { x: offered, xOffset: { field: "system" }, y: { field: "value", type: "quantitative", title: throughput }, color },
      },
      {
        title: "send→receive latency (ms, log scale)", width: 300, height: 220,
        transform: [{ filter: { field: "figure", oneOf: latency } }],
        mark: { type: "line", point: true },
        encoding: {
          x: offered, y: { field: "value", type: "quantitative", scale: { type: "log" }, title: "ms" }, color,
          strokeDash: { field: "figure", type: "nominal", title: "percentile" },
          detail: { field: "figure" },
        },
      },
    ],
  };
}

/** Bars of a few figures per system, one panel per figure. */
function barsSpec(result: BenchResult, figures: readonly string[]): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: { text: `${result.scenario}: ${result.runs[0]?.steps[0]?.label ?? ""}`, subtitle: subtitle(result) },
    data: { values: rows(result, figures) },
    facet: { column: { field: "figure", type: "nominal", title: null, sort: [...figures] } },
    spec: {
      width: 110, height: 200, mark: "bar",
      encoding: {
        x: { field: "system", type: "nominal", title: null },
        y: { field: "value", type: "quantitative", title: null },
        color: { field: "system", type: "nominal", legend: null },
      },
    },
    resolve: { scale: { y: "independent" } },
  };
}

function specFor(result: BenchResult): TopLevelSpec {
  switch (result.scenario) {
    case "connections":
      return barsSpec(result, ["connected", "connects/s", "KiB per connection", "CPU µs per heartbeat", "connect p99 ms"]);
    case "resume":
      return barsSpec(result, ["all caught up s", "catch-up p50 ms", "catch-up p99 ms", "replayed msgs/s"]);
    default:
      return trafficSpec(result);
  }
}

/** Renders a Vega-Lite spec to SVG text. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

if (import.meta.main) {
  mkdirSync(paths.charts, { recursive: true });
  const files = process.argv.slice(2).filter((a) => a.endsWith(".json"));
  const results = files.length > 0 ? files.map((f) => JSON.parse(readFileSync(f, "utf8")) as BenchResult) : latestResults();
  for (const result of results) {
    const file = join(paths.charts, `${result.scenario}.svg`);
    writeFileSync(file, await renderSvg(specFor(result)));
    console.log(`${file} (from the run of ${result.date})`);
    if (process.argv.includes("--markdown")) console.log(`\n${renderMarkdown(result)}\n`);
  }
}
