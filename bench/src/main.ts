#!/usr/bin/env node
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentPool } from "./load/agent-pool.ts";
import { machineInfo, uptime } from "./machine.ts";
import { type BenchOptions, parseOptions, type SystemName, usage } from "./options.ts";
import { trustCaFile } from "./trust.ts";
import { paths } from "./paths.ts";
import { type BenchResult, ratios, type RunResult, writeResult } from "./results.ts";
import { scenarios } from "./scenarios/index.ts";
import { renderTables } from "./table.ts";
import { startChatSystem } from "./targets/chat-system.ts";
import { ServerMonitor } from "./targets/monitor.ts";
import { startSocketIoSystem } from "./targets/socketio-system.ts";
import type { SystemUnderTest } from "./targets/system.ts";

/**
 * `npm run bench -- <scenario> [options]`: runs a scenario against each system in turn (the chat
 * server, the chat server with its store on tmpfs, the Socket.IO peer), `--rounds` times
 * alternating, prints a summary with the ratios, and writes bench/results/<scenario>-<date>.json.
 */
export async function runBench(options: BenchOptions, command: string): Promise<{ result: BenchResult; file: string }> {
  const scenario = scenarios[options.scenario];
  const machine = machineInfo();
  const date = new Date().toISOString();
  const runs: RunResult[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const name of options.systems) {
      const system = await startSystem(name, options, scenario.users(options));
      const agents = AgentPool.start(options.agents);
      const notes: string[] = [];
      try {
        const steps = await scenario.run({ options, system, agents, monitor: new ServerMonitor(() => system.pids()), notes });
        runs.push({ system: name, persistence: system.persistence, round, steps, notes });
      } finally {
        await agents.close();
        await system.stop();
      }
    }
  }
  machine.uptimeAfter = uptime();
  const result: BenchResult = { scenario: options.scenario, date, command, machine, options, runs, ratios: ratios(runs) };
  return { result, file: writeResult(result, options.out) };
}

function startSystem(name: SystemName, options: BenchOptions, users: number): Promise<SystemUnderTest> {
  if (name === "socketio") return startSocketIoSystem({ users, nodes: options.nodes, ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}) });
  const clusterNodes = /^cluster-(\d)n$/.exec(name);
  const profiles = join(paths.results, "profiles");
  if (options.cpuProf) mkdirSync(profiles, { recursive: true });
  return startChatSystem({
    name, users, target: clusterNodes ? "cluster" : options.target, nodes: clusterNodes ? Number(clusterNodes[1]) : options.nodes,
    dataRoot: name === "chat-tmpfs" ? "/dev/shm" : tmpdir(),
    fixtureDir: options.fixtureDir, registerConcurrency: options.registerConcurrency,
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    ...(options.scyllaContactPoints ? { scyllaContactPoints: options.scyllaContactPoints } : {}),
    ...(options.url ? { url: options.url } : {}),
    serverArgs: options.heartbeatMs ? ["--heartbeat-interval-ms", String(options.heartbeatMs), "--heartbeat-timeout-ms", String(options.heartbeatMs * 3)] : [],
    nodeFlags: [...options.serverNodeFlags, ...(options.cpuProf ? ["--cpu-prof", "--cpu-prof-dir", profiles] : [])],
  });
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  let options: BenchOptions;
  try {
    options = parseOptions(argv);
  } catch (err) {
    console.error((err as Error).message.includes("usage:") ? (err as Error).message : `${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (options.caFile) {
    process.env.CHAT_CA_FILE = options.caFile; // the load agents inherit it
    trustCaFile(options.caFile);
  }
  if (options.prepare) {
    const users = scenarios[options.scenario].users(options);
    // Starting the chat system registers what its accounts lack; stopping it keeps them.
    await (await startSystem("chat", options, users)).stop();
    console.log(`${users} accounts ready in ${options.url ?? options.fixtureDir}`);
    process.exit(0);
  }
  const { result, file } = await runBench(options, `npm run bench -- ${argv.join(" ")}`);
  console.log(renderTables(result));
  console.log(`\nresults: ${file}`);
  process.exit(0);
}
