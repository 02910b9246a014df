#!/usr/bin/env node
import { pino } from "pino";
import { loadConfig } from "./config.ts";
import { startServer } from "./server.ts";

// Reads the configuration, starts the node, and stops it cleanly on SIGINT/SIGTERM: nothing else.
const config = loadConfig();
const logger = pino({ level: config.logLevel });
const server = await startServer(config, logger);
console.error(`chat server ready on ${server.url} (node ${config.nodeId})`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, "shutting down");
    server.close().then(() => process.exit(0), (err) => {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    });
  });
}
