import { readFileSync } from "node:fs";

/**
 * `node bench/src/memory/heap-census.ts <a.heapsnapshot> <devices in a> [<b.heapsnapshot> <devices in b>]`:
 * what a server's heap holds per idle device, by object kind (node type and constructor name), with
 * counts and self sizes. With one snapshot the whole heap is divided by its devices (the node's own
 * baseline included); with two, taken at different device counts, their difference is, which leaves
 * exactly what each device costs. Snapshots of the `connections` scenario: a server started with
 * `NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2` writes one on that signal.
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

/** Per-device rows: `a` minus `b` (when given), divided by the difference in devices. */
export function perDevice(a: CensusRow[], devicesA: number, b: CensusRow[] = [], devicesB = 0): CensusRow[] {
  const devices = devicesA - devicesB;
  const rows = new Map(a.map((r) => [r.kind, { ...r }]));
  for (const r of b) {
    const row = rows.get(r.kind) ?? { kind: r.kind, count: 0, selfBytes: 0 };
    row.count -= r.count;
    row.selfBytes -= r.selfBytes;
    rows.set(r.kind, row);
  }
  return [...rows.values()].map((r) => ({ kind: r.kind, count: r.count / devices, selfBytes: r.selfBytes / devices }))
    .sort((x, y) => y.selfBytes - x.selfBytes);
}

if (import.meta.main) {
  const [fileA, devicesA, fileB, devicesB] = process.argv.slice(2);
  if (!fileA || !devicesA) throw new Error("usage: node bench/src/memory/heap-census.ts <a.heapsnapshot> <devices> [<b.heapsnapshot> <devices>]");
  const read = (file: string) => heapCensus(JSON.parse(readFileSync(file, "utf8")) as Snapshot);
  const rows = perDevice(read(fileA), Number(devicesA), fileB ? read(fileB) : [], Number(devicesB ?? 0));
  const total = rows.reduce((n, r) => n + r.selfBytes, 0);
  console.log(`${(total / 1024).toFixed(2)} KiB of heap per device`);
  console.log("bytes/device  count/device  kind");
  for (const r of rows.slice(0, 45)) console.log(`${r.selfBytes.toFixed(0).padStart(12)}  ${r.count.toFixed(2).padStart(12)}  ${r.kind}`);
}
