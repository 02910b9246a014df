import type { AgentPool } from "../load/agent-pool.ts";
import type { BenchOptions } from "../options.ts";
import type { StepResult } from "../results.ts";
import type { ServerMonitor } from "../targets/monitor.ts";
import type { SystemUnderTest } from "../targets/system.ts";

/** What a scenario runs with: one system, started, with its accounts, and the load agents. */
export interface ScenarioContext {
  options: BenchOptions;
  system: SystemUnderTest;
  agents: AgentPool;
  monitor: ServerMonitor;
  /** Remarks for the report (a figure that could not be taken, a limit that was hit). */
  notes: string[];
}

/** One benchmark scenario. */
export interface Scenario {
  /** Accounts the scenario needs. */
  users(options: BenchOptions): number;
  /** Sets up its conversations, drives the load, and returns one result per step. */
  run(ctx: ScenarioContext): Promise<StepResult[]>;
}

/** Bytes to MiB with one decimal. */
export const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
