import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../upgrade/previous-release.ts";
import { parseDockerfile } from "./dockerfile-replay.ts";
import { expectRealSettings } from "./settings-check.ts";

interface Service {
  build?: string | { context?: string; dockerfile?: string };
  image?: string;
  environment?: Record<string, string | number> | string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: unknown;
}

const compose = parse(readFileSync(join(repoRoot, "docker-compose.yml"), "utf8"), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = Object.entries(compose.services);
const environment = (s: Service): Record<string, string> => Object.fromEntries(Array.isArray(s.environment)
  ? s.environment.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])
  : Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));
const dependencies = (s: Service) => (Array.isArray(s.depends_on) ? s.depends_on.map((d) => [d, {}] as const) : Object.entries(s.depends_on ?? {}));
const dockerfileOf = (s: Service) => {
  const build = typeof s.build === "string" ? { context: s.build } : s.build;
  return build ? join(repoRoot, build.context ?? ".", build.dockerfile ?? "Dockerfile") : undefined;
};

/** docker-compose.yml checked against what it names, since nothing here can run `docker compose up`. */
describe("docker-compose.yml, against the config and the tree", () => {
  it("sets only CHAT_* variables the server reads, to values the config accepts", () => {
    const nodes = services.filter(([, s]) => Object.keys(environment(s)).some((k) => k.startsWith("CHAT_")));
    expect(nodes.map(([name]) => name)).toEqual(expect.arrayContaining(["node1", "node2", "node3"]));
    for (const [name, s] of nodes) expectRealSettings(name, environment(s));
  });

  it("mounts only files that exist and volumes that are declared", () => {
    for (const [name, s] of services) {
      for (const volume of s.volumes ?? []) {
        const source = volume.split(":")[0]!;
        if (source.startsWith(".") || source.startsWith("/")) {
          expect(existsSync(join(repoRoot, source)), `${name} mounts ${source}`).toBe(true);
        } else {
          expect(Object.keys(compose.volumes ?? {}), `${name}'s volume ${source}`).toContain(source);
        }
      }
      const dockerfile = dockerfileOf(s);
      if (dockerfile) expect(existsSync(dockerfile), `${name} builds ${dockerfile}`).toBe(true);
      else expect(s.image, `${name} has neither build nor image`).toBeTruthy();
    }
  });

  it("depends only on defined services, and waits for health only where there is a healthcheck", () => {
    for (const [name, s] of services) {
      for (const [dependency, options] of dependencies(s)) {
        const target = compose.services[dependency];
        expect(target, `${name} depends on ${dependency}`).toBeDefined();
        if ((options as { condition?: string }).condition === "service_healthy") {
          const file = dockerfileOf(target!);
          const imageHasOne = file !== undefined && parseDockerfile(readFileSync(file, "utf8")).some((i) => i.keyword === "HEALTHCHECK");
          expect(target!.healthcheck !== undefined || imageHasOne, `${name} waits for ${dependency} to be healthy`).toBe(true);
        }
      }
    }
  });
});
