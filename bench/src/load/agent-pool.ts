import { type ChildProcess, fork } from "node:child_process";
import type { AgentCommand, AgentReply } from "./protocol.ts";

/** A command without its id: the pool numbers them. */
type Request = AgentCommand extends infer C ? C extends { id: number } ? Omit<C, "id"> : never : never;

interface Pending {
  results: unknown[];
  waiting: number;
  resolve(results: unknown[]): void;
  reject(error: Error): void;
}

/** Deadline of a command that does no scheduled work (stats, disconnect): answered at once when all is well. */
export const quickAnswerMs = 30_000;

/** Options of {@link AgentPool.run}. */
export interface RunOptions {
  /**
   * How long every agent has to answer, from the moment the command is sent. Past it the run is
   * rejected with the command and the agents still silent, instead of waiting forever on a device
   * that never gets its Ready, ACK or ResumeComplete (a whole round once sat idle for 7 minutes).
   */
  deadlineMs: number;
}

/**
 * The coordinator's side of the load agents (agent.ts): forks them, sends each its share of a command,
 * and gathers one answer per agent. Progress reports are summed for the progress bar.
 */
export class AgentPool {
  private readonly agents: ChildProcess[];
  private readonly progress: number[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Called with the sum of the agents' progress counters as they report it. */
  onProgress: (done: number) => void = () => {};

  private constructor(count: number) {
    this.progress = new Array<number>(count).fill(0);
    this.agents = Array.from({ length: count }, (_, i) => {
      const child = fork(new URL("./agent.ts", import.meta.url), [`a${i}`], {
        serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      child.on("message", (m: AgentReply) => this.onReply(i, m));
      child.on("exit", (code, signal) => this.failAll(new Error(`load agent ${i} exited (${signal ?? code})`)));
      return child;
    });
  }

  /** Forks `count` agents. */
  static start(count: number): AgentPool {
    return new AgentPool(count);
  }

  /** Process ids of the agents (to measure the generator's own CPU use). */
  pids(): number[] {
    return this.agents.map((a) => a.pid!).filter((pid) => pid !== undefined);
  }

  /** Number of agents. */
  get size(): number {
    return this.agents.length;
  }

  /**
   * Sends agent i the command `build(i)`; resolves with the answers in agent order, or rejects when
   * an agent fails, exits, or has not answered within `options.deadlineMs`.
   */
  run<T>(build: (agent: number) => Request, options: RunOptions): Promise<T[]> {
    const id = this.nextId++;
    this.progress.fill(0);
    const commands = this.agents.map((_, i) => build(i));
    return new Promise<T[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        const silent = this.agents.flatMap((_, i) => (i in p.results ? [] : [i]));
        reject(new Error(`load agent${silent.length > 1 ? "s" : ""} ${silent.join(", ")} did not answer "${commands[0]?.type}" within ${options.deadlineMs / 1000} s: the run is failed instead of left hanging`));
      }, options.deadlineMs);
      const settle = <A>(f: (a: A) => void) => (a: A) => { clearTimeout(timer); f(a); };
      this.pending.set(id, { results: [], waiting: this.agents.length, resolve: settle(resolve as (r: unknown[]) => void), reject: settle(reject) });
      this.agents.forEach((a, i) => a.send({ ...commands[i]!, id }));
    });
  }

  /** Stops every agent (they close their connections first). */
  async close(): Promise<void> {
    await Promise.all(this.agents.map((a) => new Promise<void>((resolve) => {
      if (a.exitCode !== null || a.signalCode !== null) return resolve();
      a.removeAllListeners("exit");
      a.once("exit", () => resolve());
      a.send({ type: "exit" } satisfies AgentCommand);
      setTimeout(() => a.kill("SIGKILL"), 5_000).unref();
    })));
  }

  private onReply(agent: number, m: AgentReply): void {
    if (m.type === "progress") {
      this.progress[agent] = m.done;
      this.onProgress(this.progress.reduce((a, b) => a + b, 0));
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === "failed") {
      this.pending.delete(m.id);
      p.reject(new Error(`load agent ${agent}: ${m.error}`));
      return;
    }
    p.results[agent] = m.result;
    if (--p.waiting === 0) {
      this.pending.delete(m.id);
      p.resolve(p.results);
    }
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
