import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** One span as an OTLP/HTTP JSON export carries it, with its node (`service.instance.id`). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  node: string;
}

/** A tiny OTLP/HTTP traces receiver, see {@link startOtlpReceiver}. */
export interface OtlpReceiver {
  /** Base URL for `--otlp-endpoint` (`/v1/traces` is appended by the server). */
  url: string;
  /** Every span received so far. */
  spans: ReceivedSpan[];
  stop(): Promise<void>;
}

interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string }[] }[];
  }[];
}

/**
 * Listens on a free loopback port for `POST /v1/traces` in OTLP/HTTP JSON (what
 * `@opentelemetry/exporter-trace-otlp-http` sends, gzipped or not) and keeps the spans: a collector
 * just big enough for a test to see what a node exported.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        if (req.url !== "/v1/traces" || req.method !== "POST") throw new Error(`unexpected ${req.method} ${req.url}`);
        const raw = Buffer.concat(chunks);
        const body = JSON.parse((req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString()) as ExportRequest;
        for (const rs of body.resourceSpans ?? []) {
          const node = rs.resource?.attributes?.find((a) => a.key === "service.instance.id")?.value.stringValue ?? "";
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) spans.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? "", name: s.name, node });
          }
        }
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } catch (err) {
        res.writeHead(400).end(String(err)); // the exporter logs it; the test then misses spans and says which
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
