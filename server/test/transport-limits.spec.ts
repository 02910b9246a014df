import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStream, registerUser, startNode, type TestUser } from "./harness.ts";

/**
 * Issue 9, item 1: silent sockets, slowloris headers and stalled HTTP/2 streams are closed within the
 * configured deadlines, and one address cannot hold more than its share, while a legitimate client
 * (on another loopback address) is served throughout.
 */
const attacker = "127.0.0.2";
const deadlines = { firstBytes: 600, headers: 800, request: 1_000, settingsAck: 800 };
/** Slack for timers and the HTTP/1.1 checking interval on a busy 2-core machine. */
const slack = 1_500;

let port = 0;

describe("transport deadlines and per-address caps", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let user: TestUser;
  const served: number[] = [];
  const failures: unknown[] = [];
  let stopLegit = false;
  let legit: Promise<void>;

  beforeAll(async () => {
    server = await startNode({ args: [
      "--first-bytes-timeout-ms", String(deadlines.firstBytes), "--headers-timeout-ms", String(deadlines.headers),
      "--request-timeout-ms", String(deadlines.request), "--settings-ack-timeout-ms", String(deadlines.settingsAck),
      "--unauthenticated-timeout-ms", "1500", "--max-unauthenticated-per-ip", "40",
    ] });
    port = server.port;
    user = await registerUser(server, "legit");
    // The legitimate client calls all along; every call must succeed.
    legit = (async () => {
      while (!stopLegit) {
        const started = performance.now();
        try {
          await user.clients.auth.whoAmI({});
          const health = await fetch(`${server.url}/healthz`);
          if (health.status !== 200) throw new Error(`healthz ${health.status}`);
          served.push(performance.now() - started);
        } catch (err) {
          failures.push(err);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
  });

  afterAll(async () => {
    stopLegit = true;
    await legit;
    await server?.close();
    expect(failures).toEqual([]);
    expect(served.length).toBeGreaterThan(10);
  });

  it("keeps an authenticated live stream open past the request and unauthenticated deadlines", async () => {
    const stream = await openStream(user);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_800)); // the deadlines must pass; nothing to await
      expect(stream.ended).toBeUndefined();
      stream.send({ requestId: "r", frame: { case: "resume", value: { cursors: [] } } });
      await stream.until(() => stream.of("resumeComplete")[0], 2_000, "resumeComplete");
    } finally {
      stream.close();
    }
  });

  it("closes silent sockets after the first-bytes deadline", async () => {
    const sockets = await Promise.all(Array.from({ length: 30 }, () => connect()));
    const lifetimes = await Promise.all(sockets.map((s) => closedAfter(s, deadlines.firstBytes + slack)));
    expect(Math.max(...lifetimes)).toBeLessThan(deadlines.firstBytes + slack);
  });

  it("closes HTTP/1.1 slowloris connections after the headers deadline", async () => {
    const sockets = await Promise.all(Array.from({ length: 30 }, () => connect()));
    const drips = sockets.map((s) => {
      s.write("GET /healthz HTTP/1.1\r\nHost: chat\r\n");
      return setInterval(() => s.writable && s.write("X-Drip: 1\r\n"), 100);
    });
    try {
      const lifetimes = await Promise.all(sockets.map((s) => closedAfter(s, deadlines.headers + slack)));
      expect(Math.max(...lifetimes)).toBeLessThan(deadlines.headers + slack);
    } finally {
      for (const d of drips) clearInterval(d);
    }
  });

  it("closes an HTTP/2 connection that never acknowledges the server's SETTINGS", async () => {
    const sockets = await Promise.all(Array.from({ length: 20 }, () => connect()));
    for (const s of sockets) s.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    const lifetimes = await Promise.all(sockets.map((s) => closedAfter(s, deadlines.settingsAck + slack)));
    expect(Math.max(...lifetimes)).toBeLessThan(deadlines.settingsAck + slack);
  });

  it("resets stalled HTTP/2 requests whose body never ends", async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`, { createConnection: () => net.connect({ port, host: "127.0.0.1", localAddress: attacker }) });
    session.on("error", () => {}); // the session may be torn down with the streams
    const streams = Array.from({ length: 30 }, () => session.request(
      { ":method": "POST", ":path": "/chat.v1.AuthService/Login", "content-type": "application/grpc" }, { endStream: false }));
    const lifetimes = await Promise.all(streams.map((stream) => new Promise<number>((resolve, reject) => {
      const started = performance.now();
      stream.on("error", () => {});
      const timer = setTimeout(() => reject(new Error("stream still open")), deadlines.request + slack);
      stream.once("close", () => {
        clearTimeout(timer);
        resolve(performance.now() - started);
      });
      stream.resume();
    })));
    session.destroy();
    expect(Math.max(...lifetimes)).toBeLessThan(deadlines.request + slack);
  });

  it("answers an unauthenticated HTTP/1.1 connection past its deadline with Connection: close, then closes it", async () => {
    const socket = await connect();
    const get = () => new Promise<string>((resolve) => {
      let text = "";
      const onData = (chunk: Buffer) => {
        text += chunk.toString("latin1");
        if (/\r\n\r\n[\s\S]*ok/i.test(text) || text.includes("\r\n0\r\n\r\n")) {
          socket.off("data", onData);
          resolve(text);
        }
      };
      socket.on("data", onData);
      socket.write("GET /healthz HTTP/1.1\r\nHost: chat\r\n\r\n");
    });
    expect((await get()).toLowerCase()).toContain("connection: keep-alive");
    await new Promise((resolve) => setTimeout(resolve, 1_500 + 300)); // past the unauthenticated deadline
    expect(socket.destroyed || socket.readableEnded).toBe(false); // an idle keep-alive is never cut under a client
    expect((await get()).toLowerCase()).toContain("connection: close");
    await closedAfter(socket, 1_000);
  });

  it("refuses connections from one address over its unauthenticated cap, and serves other addresses", async () => {
    const sockets = await Promise.all(Array.from({ length: 60 }, () => connect()));
    await until(() => sockets.filter((s) => s.destroyed || s.readableEnded).length >= 20, 2_000);
    expect(server.transport.guard.openFrom(attacker)).toBeLessThanOrEqual(40);
    await expect(user.clients.auth.whoAmI({})).resolves.toBeDefined();
    for (const s of sockets) s.destroy();
  });
});

/** A raw TCP connection from the attacker's address. */
function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress: attacker });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
    socket.on("error", () => {}); // a refused socket is reset; the test looks at whether it closed
    socket.resume();
  });
}

/** Resolves once `check` holds; rejects after `withinMs`. */
async function until(check: () => boolean, withinMs: number): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Resolves how long after now the socket closed; rejects when it is still open after `withinMs`. */
function closedAfter(socket: net.Socket, withinMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve(0);
    const timer = setTimeout(() => reject(new Error(`socket still open after ${withinMs} ms`)), withinMs);
    socket.resume();
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}
