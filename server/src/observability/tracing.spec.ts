import { describe, expect, it } from "vitest";
import { type OtlpReceiver, startOtlpReceiver } from "../../test/services/otlp-receiver.ts";
import { loadConfig } from "../config.ts";
import { currentTraceparent, inRemoteSpan, inSpan, startTracing } from "./tracing.ts";

describe("tracing settings", () => {
  const url = (argv: string[], env: NodeJS.ProcessEnv = {}) => loadConfig(argv, env).otlpTracesUrl;

  it("reads --otlp-endpoint and OpenTelemetry's own variables, as the OTLP exporter spec defines them", () => {
    expect(url([])).toBeUndefined();
    expect(url(["--otlp-endpoint", "http://collector:4318/"])).toBe("http://collector:4318/v1/traces");
    expect(url([], { OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example" })).toBe("https://otel.example/v1/traces");
    expect(url([], { OTEL_EXPORTER_OTLP_ENDPOINT: "http://a", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b/traces" })).toBe("http://b/traces");
    expect(url(["--otlp-endpoint", "http://c"], { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b/traces" })).toBe("http://c/v1/traces");
    expect(url(["--otlp-endpoint", "http://c"], { OTEL_SDK_DISABLED: "true" })).toBeUndefined();
    expect(() => url(["--otlp-endpoint", "collector:4318"])).toThrow(/^--otlp-endpoint .* must be an http:\/\/ or https:\/\/ URL/);
  });
});

describe("tracing", () => {
  it("off: carries no trace context and runs the work as it is", () => {
    expect(currentTraceparent()).toBeUndefined();
    expect(inSpan("x", () => 7)).toBe(7);
    let ran = false;
    inRemoteSpan("x", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", () => (ran = true));
    expect(ran).toBe(true);
  });

  it("on: nests spans, continues a remote traceparent, records failures, and exports it all at shutdown", async () => {
    const receiver: OtlpReceiver = await startOtlpReceiver();
    const tracing = startTracing({ url: `${receiver.url}/v1/traces`, nodeId: "spec", exportDelayMs: 60_000 });
    try {
      let carried: string | undefined;
      await inSpan("outer", async () => {
        await inSpan("inner", async () => {
          carried = currentTraceparent();
        });
      });
      expect(carried).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      inRemoteSpan("remote", carried, () => undefined);
      await expect(inSpan("failing", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    } finally {
      await tracing.shutdown(); // exports the batch
      await receiver.stop();
    }
    const byName = new Map(receiver.spans.map((s) => [s.name, s]));
    const [outer, inner, remote] = ["outer", "inner", "remote"].map((n) => byName.get(n)!);
    expect(inner!.parentSpanId).toBe(outer!.spanId);
    expect(remote!.traceId).toBe(outer!.traceId);
    expect(remote!.parentSpanId).toBe(inner!.spanId);
    expect(byName.get("failing")).toBeDefined();
    expect(new Set(receiver.spans.map((s) => s.node))).toEqual(new Set(["spec"]));
    expect(currentTraceparent()).toBeUndefined(); // off again
  });
});
