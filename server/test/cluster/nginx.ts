import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { freePort } from "../services/free-port.ts";

/** A running nginx balancing gRPC over some nodes. */
export interface Balancer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts Debian's nginx as a gRPC load balancer (`grpc_pass`, h2c with prior knowledge) in front of
 * the given node ports: the same shape as docs/deploy.md's production setup, on loopback. Streams are
 * long-lived, so the read/send timeouts are an hour.
 */
export async function startNginx(upstreamPorts: number[]): Promise<Balancer> {
  const dir = mkdtempSync(join(tmpdir(), "chat-nginx-"));
  const port = await freePort();
  writeFileSync(join(dir, "nginx.conf"), `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream chat { ${upstreamPorts.map((p) => `server 127.0.0.1:${p};`).join(" ")} }
  server {
    listen 127.0.0.1:${port} http2;
    location / {
      grpc_pass grpc://chat;
      grpc_read_timeout 1h;
      grpc_send_timeout 1h;
    }
  }
}
`);
  const child = spawn(process.env.CHAT_TEST_NGINX ?? "/usr/sbin/nginx", ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (log += c));
  await waitForPort(port, child, () => log);
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) await new Promise((r) => { child.once("exit", r); child.kill("SIGQUIT"); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1", () => { s.destroy(); resolve(true); });
      s.on("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
