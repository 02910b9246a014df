#!/usr/bin/env node
// Writes the JSON schemas that kubeconform checks deploy/k8s/ against into
// third_party/kubernetes-schemas/, so that the check needs no network (run by hand when a kind or a
// Kubernetes version is added; see that folder's README.md).
//
//   node scripts/vendor-k8s-schemas.ts <kubernetes-validate's vX.Y.Z-local-strict dir> <CRD yaml>...
//
// Built-in kinds come from the PyPI package kubernetes-validate, whose schemas reference one shared
// 1.4 MB `_definitions.json` by an absolute URL kubeconform would try to download: each kind is made
// standalone here (the definitions it reaches, inlined under `$defs`). CRDs (the operators' custom
// resources) are converted from their `openAPIV3Schema` the way kubeconform's openapi2jsonschema.py
// does, strict: an object that lists its properties admits no other.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

/** The built-in kinds the manifests use, as kubeconform names their schema files. */
const builtinKinds = [
  "configmap-v1", "secret-v1", "service-v1", "serviceaccount-v1", "deployment-apps-v1",
  "poddisruptionbudget-policy-v1", "job-batch-v1",
];
const out = join(import.meta.dirname, "..", "third_party", "kubernetes-schemas");
type Json = Record<string, unknown>;

const [source, ...crds] = process.argv.slice(2);
if (!source) throw new Error("usage: node scripts/vendor-k8s-schemas.ts <vX.Y.Z-local-strict dir> <crd.yaml>...");
const definitions = (JSON.parse(readFileSync(join(source, "_definitions.json"), "utf8")) as { $defs: Record<string, Json> }).$defs;
const prefix = "/api/_definitions.json#/$defs/";

/** A copy of `node` with every definition reference made local; the names referenced are added to `reached`. */
function localize(node: unknown, reached: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => localize(n, reached));
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => {
    if (k === "$ref" && typeof v === "string") {
      const name = v.startsWith(prefix) ? v.slice(prefix.length) : v.replace(/^#\/\$defs\//, "");
      reached.add(name);
      return [k, `#/$defs/${name}`];
    }
    return [k, localize(v, reached)];
  }));
}

for (const kind of builtinKinds) {
  const reached = new Set<string>();
  const schema = localize(JSON.parse(readFileSync(join(source, `${kind}.json`), "utf8")), reached) as Json;
  const defs: Record<string, unknown> = {};
  for (const name of reached) { // grows while iterated: every definition the inlined ones reach
    if (!definitions[name]) throw new Error(`${kind}: unknown definition ${name}`);
    defs[name] ??= localize(definitions[name], reached);
  }
  delete schema.$id; // the schema is read from a file: no remote base to resolve against
  writeFileSync(join(out, `${kind}.json`), `${JSON.stringify({ ...schema, $defs: defs })}\n`);
}

/** openAPIV3Schema → JSON schema: `nullable` becomes a null type, listed properties close the object. */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (node === null || typeof node !== "object") return node;
  const s = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === "properties" ? Object.fromEntries(Object.entries(v as Json).map(([p, d]) => [p, strict(d)])) : strict(v)])) as Json;
  if (s.nullable === true && typeof s.type === "string") s.type = [s.type, "null"];
  if (s.properties && s.additionalProperties === undefined && !s["x-kubernetes-preserve-unknown-fields"]) s.additionalProperties = false;
  return s;
}

for (const file of crds) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const crd = doc.toJS() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema?: { openAPIV3Schema: Json } }[] } };
    if (crd?.kind !== "CustomResourceDefinition" || !crd.spec) continue;
    mkdirSync(join(out, crd.spec.group), { recursive: true });
    for (const version of crd.spec.versions.filter((v) => v.served && v.schema)) {
      const schema = strict(version.schema!.openAPIV3Schema);
      writeFileSync(join(out, crd.spec.group, `${crd.spec.names.kind.toLowerCase()}_${version.name}.json`), `${JSON.stringify(schema)}\n`);
    }
  }
}
