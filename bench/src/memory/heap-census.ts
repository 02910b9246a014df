import { readFileSync } from "node:fs";

/**
 * `node bench/src/memory/heap-census.ts <file.heapsnapshot> [devices] [top]`: what a server's heap
 * holds, by object kind (node type and constructor name), with counts and self sizes, divided by
 * the number of open devices when given. Run on a snapshot of a node holding N idle devices (the
 * `connections` scenario; the server takes one on SIGUSR2 when started with
 * `--heapsnapshot-signal=SIGUSR2`), the kinds whose count is a multiple of N are what each device costs.
 */
interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** One row of the census. */
export interface CensusRow {
  kind: string;
  count: number;
  selfBytes: number;
}

/** Sums a snapshot's nodes by kind, largest self size first. */
export function heapCensus(snapshot: Snapshot): CensusRow[] {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type"), nameAt = fields.indexOf("name"), sizeAt = fields.indexOf("self_size");
  const rows = new Map<string, CensusRow>();
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]!]!;
    // Strings and code are named by their content: sum them by type alone.
    const name = type === "object" || type === "closure" || type === "native" ? strings[nodes[i + nameAt]!]! : "";
    const kind = name ? `${type}:${name}` : type;
    let row = rows.get(kind);
    if (!row) rows.set(kind, (row = { kind, count: 0, selfBytes: 0 }));
    row.count++;
    row.selfBytes += nodes[i + sizeAt]!;
  }
  return [...rows.values()].sort((a, b) => b.selfBytes - a.selfBytes);
}

if (import.meta.main) {
  const [file, devicesArg, topArg] = process.argv.slice(2);
  if (!file) throw new Error("usage: node bench/src/memory/heap-census.ts <file.heapsnapshot> [devices] [top]");
  const devices = Number(devicesArg ?? 1), top = Number(topArg ?? 40);
  const rows = heapCensus(JSON.parse(readFileSync(file, "utf8")) as Snapshot);
  const total = rows.reduce((n, r) => n + r.selfBytes, 0);
  console.log(`total self size ${(total / 1024 / 1024).toFixed(1)} MiB, ${(total / devices / 1024).toFixed(2)} KiB per device (${devices})`);
  console.log("bytes/device  count/device  kind");
  for (const r of rows.slice(0, top)) {
    console.log(`${(r.selfBytes / devices).toFixed(0).padStart(12)}  ${(r.count / devices).toFixed(2).padStart(12)}  ${r.kind}`);
  }
}
