import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

describe("the shipped deployment files", () => {
  it("deploy/nginx.conf is valid nginx configuration (upstream hosts pointed at loopback)", () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-nginx-t-"));
    const conf = readFileSync(join(root, "deploy/nginx.conf"), "utf8").replace(/node\d:8080/g, "127.0.0.1:8080");
    writeFileSync(join(dir, "nginx.conf"), conf.replace("events {", `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {`));
    const out = execFileSync(process.env.CHAT_TEST_NGINX ?? "/usr/sbin/nginx", ["-t", "-p", dir, "-c", join(dir, "nginx.conf")], { encoding: "utf8", stdio: "pipe" });
    expect(out).toBe(""); // nginx -t reports on stderr and exits non-zero (throwing here) on error
  });

  it("docker-compose.yml runs three nodes on ScyllaDB and Redis behind the balancer", () => {
    const compose = readFileSync(join(root, "docker-compose.yml"), "utf8");
    for (const service of ["scylla:", "redis:", "node1:", "node2:", "node3:", "lb:"]) expect(compose).toContain(`\n  ${service}`);
    expect(compose).toContain("CHAT_SCYLLA_CONTACT_POINTS: scylla:9042");
    expect(compose).toContain("CHAT_REDIS_URL: redis://redis:6379");
    expect(readFileSync(join(root, "deploy/nginx.conf"), "utf8")).toMatch(/server node1:8080[\s\S]*server node3:8080/);
  });
});
