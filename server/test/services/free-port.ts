import { createServer, type Server } from "node:net";

/** Listens on an OS-chosen loopback port; the caller closes the server. */
function listenOnEphemeralPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Returns `count` distinct loopback TCP ports that were free a moment ago.
 *
 * The kernel picks them (port 0), so parallel test runs do not collide the way a fixed port or a
 * random guess would. All sockets are held open until every port is chosen, so one call never
 * returns the same port twice. There is an unavoidable window between closing and the service
 * binding; ephemeral ports are handed out round-robin, so a reuse inside that window is unlikely.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnEphemeralPort());
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("free-port: no TCP address");
      return address.port;
    });
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** Returns one loopback TCP port that was free a moment ago (see {@link freePorts}). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error("free-port: no port");
  return port;
}
