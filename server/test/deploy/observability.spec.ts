import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { newId, openStream, registerUser, startNode } from "../harness.ts";
import { repoRoot } from "../upgrade/previous-release.ts";

const run = promisify(execFile);
const prometheusDir = join(repoRoot, "deploy", "prometheus");

interface Panel { type: string; title: string; id: number; datasource?: { uid: string }; targets?: { expr: string; refId: string }[] }
interface Rule { alert: string; expr: string; for: string; labels: { severity: string }; annotations: { summary: string; description: string } }

const dashboard = JSON.parse(readFileSync(join(repoRoot, "deploy", "grafana", "chat-dashboard.json"), "utf8")) as { uid: string; panels: Panel[] };
const rules = (parse(readFileSync(join(prometheusDir, "chat-alerts.yaml"), "utf8")) as { groups: { name: string; rules: Rule[] }[] })
  .groups.flatMap((g) => g.rules);
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => [`panel "${p.title}"`, t.expr] as const));
const ruleExprs = rules.map((r) => [`alert ${r.alert}`, r.expr] as const);

/** How a panel names the dashboard's Prometheus data source: Grafana's variable, picked on import. */
const datasourceVariable = ["$", "{datasource}"].join("");

/** Series Prometheus makes itself for every scrape target, not served by the node. */
const scrapeSeries = new Set(["up"]);

/**
 * The metric names a PromQL expression reads: its identifiers, less strings, label matchers, range
 * selectors, grouping clauses, functions and aggregations (an identifier followed by "("), and the
 * binary operator keywords.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const words = [...stripped.matchAll(/(?<![\w.$])[a-zA-Z_:][\w:]*/g)]
    .filter((m) => !/^\s*\(/.test(stripped.slice(m.index + m[0].length))) // a function or an aggregation
    .map((m) => m[0]);
  return [...new Set(words.filter((w) => !["and", "or", "unless", "bool", "offset"].includes(w)))];
}

describe("the Grafana dashboard and the alert rules, against a node's /metrics", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let served: Set<string>;

  beforeAll(async () => {
    server = await startNode();
    // Traffic, so that every labelled series exists: a unary send (timed), a stream, a delivery.
    const [alice, bob] = await Promise.all([registerUser(server, "metrics"), registerUser(server, "metrics")]);
    const stream = await openStream(bob);
    const conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "hello metrics" });
    await stream.until(() => stream.of("message")[0], 5_000, "the delivery");
    const text = await (await fetch(`${server.url}/metrics`)).text();
    stream.close();
    served = new Set(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(/[{ ]/)[0]!));
  });
  afterAll(async () => server?.close());

  it("reads the expressions' metric names as Prometheus would", () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, method) (rate(chat_rpc_duration_seconds_bucket{method="SendMessage"}[5m]))) > 0.5'))
      .toEqual(["chat_rpc_duration_seconds_bucket"]);
    expect(metricNames("process_resident_memory_bytes{job=\"chat\"} > 0.85 * 2 * 1e9 and up == 1")).toEqual(["process_resident_memory_bytes", "up"]);
  });

  it("every metric the dashboard and the alerts name is served by the node", () => {
    const named = [...dashboardExprs, ...ruleExprs].flatMap(([where, expr]) => metricNames(expr).map((m) => [where, m] as const));
    expect(named.length).toBeGreaterThan(20);
    const missing = named.filter(([, m]) => !served.has(m) && !scrapeSeries.has(m)).map(([where, m]) => `${where}: ${m}`);
    expect(missing, `served: ${[...served].filter((m) => m.startsWith("chat_")).join(", ")}`).toEqual([]);
    // The node's own metrics are all on the dashboard.
    const onDashboard = new Set(dashboardExprs.flatMap(([, e]) => metricNames(e)));
    const chatMetrics = [...served].filter((m) => m.startsWith("chat_") && !/_(sum|count)$/.test(m));
    expect(chatMetrics.filter((m) => !onDashboard.has(m))).toEqual([]);
  });

  it("counts messages and deliveries, whichever way a send came, and says whether the node serves", () => {
    const value = (text: string, series: string) => Number(text.split("\n").find((l) => l.startsWith(series))?.split(" ").at(-1));
    return fetch(`${server.url}/metrics`).then((r) => r.text()).then((text) => {
      expect(value(text, 'chat_messages_total{outcome="stored"}')).toBe(1);
      expect(value(text, "chat_deliveries_total")).toBeGreaterThanOrEqual(1); // at least the message on bob's stream
      expect(value(text, "chat_serving")).toBe(1);
    });
  });

  it("the dashboard's panels each have a unique id and the datasource variable; every rule says why and how bad", () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels.filter((p) => p.type !== "row")) {
      expect(p.datasource?.uid, p.title).toBe(datasourceVariable);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
    for (const r of rules) {
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(["page", "ticket"], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary && r.annotations.description, r.alert).toBeTruthy();
    }
  });
});

describe("the alert rules and the dashboard's queries, checked by Prometheus' own promtool", () => {
  let promtool: (...args: string[]) => Promise<string>;

  beforeAll(async () => {
    const { stdout } = await run("bash", [join(repoRoot, "scripts", "install-deploy-tools.sh"), "promtool"], { timeout: 900_000 });
    const binary = join(stdout.trim(), "bin", "promtool");
    promtool = async (...args) => {
      const { stdout: out, stderr } = await run(binary, args, { cwd: prometheusDir, timeout: 60_000 });
      return out + stderr;
    };
  }, 900_000);

  it("the rules parse, and fire (or stay quiet) as their unit tests say (chat-alerts.test.yaml)", async () => {
    expect(await promtool("check", "rules", "chat-alerts.yaml")).toMatch(/SUCCESS: \d+ rules found/);
    expect(await promtool("test", "rules", "chat-alerts.test.yaml")).toMatch(/SUCCESS/);
  });

  it("every query of the dashboard parses as PromQL (as recording rules, Grafana's $__rate_interval as 5m)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "chat-dashboard-")), "queries.yaml");
    const queries = dashboardExprs.map(([, expr], i) => ({ record: `dashboard:query_${i}`, expr: expr.replaceAll("$__rate_interval", "5m") }));
    writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules: queries }] }));
    expect(await promtool("check", "rules", file)).toMatch(new RegExp(`SUCCESS: ${queries.length} rules found`));
  });
});
