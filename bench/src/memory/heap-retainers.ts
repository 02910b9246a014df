import { readFileSync } from "node:fs";

/**
 * `node bench/src/memory/heap-retainers.ts <a.heapsnapshot> <devices in a> <b.heapsnapshot> <devices in b> [regex]`:
 * what holds each kind of object an idle device costs, the companion of heap-census.ts. Every object
 * of both snapshots is counted under its kind, the kind of its first strong retainer and the edge it
 * is held by, two levels up ("closure <- PromiseReaction <- Promise .reactions_or_result"); the
 * difference of the two snapshots, divided by the difference in devices, leaves one device's objects
 * with what keeps them alive. A regex keeps only the rows it matches.
 */
interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** One row: bytes and objects under one retaining path. */
export interface RetainerRow {
  path: string;
  count: number;
  selfBytes: number;
}

/** Node types named by their constructor or role; the others (strings, code, numbers) by type alone. */
const named = new Set(["object", "closure", "native", "array", "hidden", "object shape"]);

/** Sums a snapshot's objects by kind and first strong retainer (two levels). */
export function retainerCensus(s: Snapshot): Map<string, RetainerRow> {
  const { node_fields: nf, edge_fields: ef } = s.snapshot.meta;
  const nodeTypes = s.snapshot.meta.node_types[0], edgeTypes = s.snapshot.meta.edge_types[0];
  const width = nf.length, edgeWidth = ef.length, count = s.nodes.length / width;
  const typeAt = nf.indexOf("type"), nameAt = nf.indexOf("name"), sizeAt = nf.indexOf("self_size"), edgesAt = nf.indexOf("edge_count");
  const edgeTypeAt = ef.indexOf("type"), edgeNameAt = ef.indexOf("name_or_index"), edgeToAt = ef.indexOf("to_node");
  const kind = (n: number): string => {
    const type = nodeTypes[s.nodes[n * width + typeAt]!]!;
    return named.has(type) ? `${type}:${s.strings[s.nodes[n * width + nameAt]!]!.slice(0, 60)}` : type;
  };
  const retainer = new Int32Array(count).fill(-1);
  const edgeName: string[] = new Array(count);
  let e = 0;
  for (let n = 0; n < count; n++) {
    const edges = s.nodes[n * width + edgesAt]!;
    for (let k = 0; k < edges; k++, e++) {
      const type = edgeTypes[s.edges[e * edgeWidth + edgeTypeAt]!]!;
      if (type === "weak" || type === "shortcut") continue;
      const to = s.edges[e * edgeWidth + edgeToAt]! / width;
      if (retainer[to] !== -1) continue;
      retainer[to] = n;
      const name = s.edges[e * edgeWidth + edgeNameAt]!;
      edgeName[to] = type === "element" || type === "hidden" ? `[${type}]` : String(s.strings[name] ?? name);
    }
  }
  const level = (n: number) => (retainer[n]! >= 0 ? `${kind(retainer[n]!)} .${edgeName[n]}` : "-");
  const rows = new Map<string, RetainerRow>();
  for (let n = 0; n < count; n++) {
    const r = retainer[n]!;
    const path = `${kind(n)}  <-  ${level(n)}${r >= 0 ? `  <-  ${level(r)}` : ""}`;
    let row = rows.get(path);
    if (!row) rows.set(path, (row = { path, count: 0, selfBytes: 0 }));
    row.count++;
    row.selfBytes += s.nodes[n * width + sizeAt]!;
  }
  return rows;
}

/** Per-device rows: `a` minus `b`, divided by the difference in devices, largest first. */
export function retainersPerDevice(a: Map<string, RetainerRow>, devicesA: number, b: Map<string, RetainerRow>, devicesB: number): RetainerRow[] {
  const devices = devicesA - devicesB;
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths].map((path) => {
    const x = a.get(path), y = b.get(path);
    return { path, count: ((x?.count ?? 0) - (y?.count ?? 0)) / devices, selfBytes: ((x?.selfBytes ?? 0) - (y?.selfBytes ?? 0)) / devices };
  }).sort((p, q) => q.selfBytes - p.selfBytes);
}

if (import.meta.main) {
  const [fileA, devicesA, fileB, devicesB, filter] = process.argv.slice(2);
  if (!fileA || !devicesA || !fileB || !devicesB) {
    throw new Error("usage: node bench/src/memory/heap-retainers.ts <a.heapsnapshot> <devices> <b.heapsnapshot> <devices> [regex]");
  }
  const read = (file: string) => retainerCensus(JSON.parse(readFileSync(file, "utf8")) as Snapshot);
  const match = filter ? new RegExp(filter) : undefined;
  console.log("bytes/device  count/device  kind  <-  retainer .edge  <-  its retainer .edge");
  for (const r of retainersPerDevice(read(fileA), Number(devicesA), read(fileB), Number(devicesB))) {
    if (Math.abs(r.selfBytes) < 8 || (match && !match.test(r.path))) continue;
    console.log(`${r.selfBytes.toFixed(0).padStart(12)}  ${r.count.toFixed(2).padStart(12)}  ${r.path}`);
  }
}
