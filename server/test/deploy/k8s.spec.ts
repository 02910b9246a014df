import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadConfig } from "../../src/config.ts";
import { livenessService } from "../../src/rpc/health-service.ts";
import { repoRoot } from "../upgrade/previous-release.ts";
import { expectRealSettings } from "./settings-check.ts";

const run = promisify(execFile);
const k8s = join(repoRoot, "deploy", "k8s");
const schemas = join(repoRoot, "third_party", "kubernetes-schemas");

// A loose view of the manifests: only what the checks read.
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; generateName?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  /** Untyped: kubeconform checks the shapes; the tests below read a few fields. */
  spec?: any;
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  readinessProbe?: { grpc?: { port: number; service?: string } };
  livenessProbe?: { grpc?: { port: number; service?: string } };
  startupProbe?: { grpc?: { port: number; service?: string } };
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  resources?: { requests: Record<string, string>; limits: Record<string, string> };
}

const files = readdirSync(k8s).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml").sort();
const resources: Resource[] = files.flatMap((f) => parseAllDocuments(readFileSync(join(k8s, f), "utf8")).map((d) => d.toJS() as Resource));
const kustomization = parseAllDocuments(readFileSync(join(k8s, "kustomization.yaml"), "utf8"))[0]!.toJS() as {
  resources: string[]; images?: { name: string; newName?: string; newTag?: string }[];
};
const one = (kind: string, name?: string): Resource => {
  const found = resources.filter((r) => r.kind === kind && (name === undefined || r.metadata.name === name));
  expect(found, `one ${kind} ${name ?? ""}`).toHaveLength(1);
  return found[0]!;
};
const deployment = one("Deployment", "chat-server");
const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
const container = (deployment.spec.template.spec.containers as Container[])[0]!;

/** The environment a container gets: its envFrom ConfigMaps and Secrets, then its env (fieldRefs as placeholders). */
function environmentOf(c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const source = from.configMapRef ? one("ConfigMap", from.configMapRef.name).data : one("Secret", from.secretRef!.name).stringData;
    Object.assign(env, source);
  }
  for (const e of c.env ?? []) env[e.name] = e.value ?? "from-the-pod";
  return env;
}

const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => podLabels[k] === v);

describe("deploy/k8s, rendered by kustomize and linted by kubeconform against the vendored schemas", () => {
  let kubeconform: string;
  let kustomize: string;
  const lint = (...paths: string[]) => run(kubeconform, [
    "-strict", "-summary", "-output", "json",
    "-schema-location", join(schemas, "{{.ResourceKind}}{{.KindSuffix}}.json"),
    "-schema-location", join(schemas, "{{.Group}}", "{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"),
    ...paths,
  ], { timeout: 60_000 });

  beforeAll(async () => {
    const { stdout } = await run("bash", [join(repoRoot, "scripts", "install-deploy-tools.sh"), "kustomize", "kubeconform"], { timeout: 600_000 });
    kubeconform = join(stdout.trim(), "bin", "kubeconform");
    kustomize = join(stdout.trim(), "bin", "kustomize");
  }, 600_000);

  it("kustomize renders every resource, namespaced and with the image set; all valid, none skipped for want of a schema", async () => {
    const rendered = join(mkdtempSync(join(tmpdir(), "chat-k8s-")), "rendered.yaml");
    writeFileSync(rendered, (await run(kustomize, ["build", k8s], { timeout: 60_000 })).stdout);
    const built = parseAllDocuments(readFileSync(rendered, "utf8")).map((d) => d.toJS() as Resource & { metadata: { namespace?: string } });
    expect(built.map((r) => r.metadata.namespace)).toEqual(built.map(() => "chat"));
    const image = kustomization.images!.find((i) => i.name === container.image)!;
    const node = built.find((r) => r.kind === "Deployment")!.spec.template.spec.containers[0] as Container;
    expect(node.image).toBe(`${image.newName}:${image.newTag}`);
    // The migration Job is created by hand once per release, outside the kustomization: linted as it is.
    const { stdout } = await lint(rendered, join(k8s, "schema-migration-job.yaml"));
    const { summary } = JSON.parse(stdout) as { summary: Record<string, number> };
    expect(summary).toEqual({ valid: resources.length, invalid: 0, errors: 0, skipped: 0 });
  });

  it("refuses a manifest with a misspelt field, built-in or custom (the schemas are strict and really read)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-k8s-"));
    writeFileSync(join(dir, "d.yaml"), readFileSync(join(k8s, "deployment.yaml"), "utf8").replace("periodSeconds: 5", "periodSecond: 5"));
    writeFileSync(join(dir, "s.yaml"), readFileSync(join(k8s, "scylla-cluster.yaml"), "utf8").replace("members: 1", "member: 1"));
    const failed = await lint(join(dir, "d.yaml"), join(dir, "s.yaml")).then(() => "passed", (err: { stdout: string }) => err.stdout);
    expect(JSON.parse(failed).summary).toEqual({ valid: 0, invalid: 2, errors: 0, skipped: 0 });
  });
});

describe("deploy/k8s, against the config and itself", () => {
  it("kustomization.yaml lists every manifest but the once-per-release migration Job, and names the image", () => {
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== "schema-migration-job.yaml"));
    expect(kustomization.images?.map((i) => i.name)).toContain(container.image);
  });

  it("sets only CHAT_* variables the server reads, to values the config accepts (node and migration Job)", () => {
    const job = one("Job");
    for (const [name, c] of [["chat-server", container], ["chat-migrate", job.spec.template.spec.containers[0] as Container]] as const) {
      expectRealSettings(name, environmentOf(c));
    }
  });

  it("points the nodes at the ScyllaCluster's client Service and data center, and at the RedisCluster", () => {
    const env = environmentOf(container);
    const scylla = one("ScyllaCluster");
    expect(env.CHAT_SCYLLA_CONTACT_POINTS).toBe(`${scylla.metadata.name}-client:9042`);
    expect(env.CHAT_SCYLLA_DATACENTER).toBe(scylla.spec.datacenter.name);
    expect(env.CHAT_SCYLLA_REPLICATION).toBe(`${scylla.spec.datacenter.name}:${scylla.spec.datacenter.racks.length}`);
    // The operator's Service of the cluster's leaders; the client learns the other nodes from it.
    expect(env.CHAT_REDIS_URL).toBe(`redis+cluster://${one("RedisCluster").metadata.name}-leader:6379`);
    expect(env.CHAT_NODE_ID).toBe("from-the-pod"); // the pod's name: unique per node
  });

  it("probes grpc.health.v1 on the serving port: readiness the node's health, liveness the process only", () => {
    const port = Number(environmentOf(container).CHAT_PORT);
    expect(container.ports?.map((p) => p.containerPort)).toContain(port);
    for (const probe of [container.readinessProbe, container.startupProbe, container.livenessProbe]) expect(probe?.grpc?.port).toBe(port);
    expect(container.readinessProbe?.grpc?.service ?? "").toBe("");
    expect(container.livenessProbe?.grpc?.service).toBe(livenessService);
  });

  it("gives a draining pod time to finish: grace > preStop + GOAWAY grace + store deadline", () => {
    const config = loadConfig([], environmentOf(container));
    const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(preStop, "a preStop pause while endpoints update").toBeGreaterThan(0);
    const drainSeconds = preStop + 1 + config.storeDeadlineMs / 1000; // server.close(): shutdown(1 s), then the engines
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(drainSeconds);
    expect(deployment.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  it("selects the node pods from the Service and the PodDisruptionBudget, on a named container port", () => {
    const service = one("Service", "chat");
    expect(matches(service.spec.selector)).toBe(true);
    expect(container.ports?.map((p) => p.name)).toContain(service.spec.ports[0].targetPort);
    const pdb = one("PodDisruptionBudget");
    expect(matches(pdb.spec.selector.matchLabels)).toBe(true);
    expect(matches(deployment.spec.selector.matchLabels)).toBe(true);
    expect(pdb.spec.maxUnavailable).toBe(1);
  });

  it("sizes the node's memory for the devices it is meant to hold (docs/benchmarks.md: ~78 KiB each)", () => {
    const gib = (q: string) => Number(q.replace(/Gi$/, ""));
    const { requests, limits } = container.resources!;
    expect(limits.memory).toBe(requests.memory);
    expect(gib(requests.memory!) * 1024 * 1024).toBeGreaterThan(150 * 1024 + 20_000 * 78); // KiB: at rest + 20,000 devices
  });
});
