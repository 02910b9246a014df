import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBench } from "./main.ts";
import { parseOptions } from "./options.ts";
import type { BenchResult } from "./results.ts";

const dir = mkdtempSync(join(tmpdir(), "chat-bench-spec-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run bench -- direct --quick", () => {
  it("drives a real server and writes sane figures", { timeout: 180_000 }, async () => {
    const out = join(dir, "direct.json");
    const options = parseOptions(["direct", "--quick", "--systems", "chat", "--fixture-dir", join(dir, "fixture"), "--out", out]);
    const { file } = await runBench(options, "spec");
    expect(file).toBe(out);

    const result = JSON.parse(readFileSync(out, "utf8")) as BenchResult;
    expect(result.scenario).toBe("direct");
    expect(result.machine.nproc).toBeGreaterThan(0);
    expect(result.runs).toHaveLength(1);
    const [step] = result.runs[0]!.steps;
    const f = step!.figures;
    expect(f["offered msg/s"]).toBe(200);
    expect(f["accepted msg/s"]).toBeGreaterThan(0);
    expect(f["delivered/s"]).toBeGreaterThan(0);
    // Every message sent in the measured window was ACKed and reached the partner's device.
    expect(f.unacked).toBe(0);
    expect(f.undelivered).toBe(0);
    expect(f.errors).toBe(0);
    for (const name of ["ack", "recv"]) {
      expect(f[`${name} p50 ms`]).toBeGreaterThan(0);
      expect(f[`${name} p99 ms`]).toBeGreaterThanOrEqual(f[`${name} p50 ms`]!);
      expect(f[`${name} p99.9 ms`]).toBeGreaterThanOrEqual(f[`${name} p99 ms`]!);
    }
    expect(step!.latency["send→receive"]!.count).toBeGreaterThan(0);
    expect(f["server CPU %"]).toBeGreaterThan(0);
    expect(f["server RSS MiB"]).toBeGreaterThan(10);
  });
});
