#!/usr/bin/env node
import { pino } from "pino";
import { isBackupCommand, runBackupCommand } from "./backup-command.ts";
import { loadConfig } from "./config.ts";
import { runPushCommand } from "./push/providers/vapid-keys-command.ts";
import { startServer } from "./server.ts";

// `chat-server backup|restore <file>` works on the store and exits (backup-command.ts), `chat-server
// push vapid-keys` prints a key pair (vapid-keys-command.ts); anything else reads the configuration,
// starts the node, and stops it cleanly on SIGINT/SIGTERM.
if (isBackupCommand(process.argv[2])) process.exitCode = runBackupCommand(process.argv.slice(2));
else if (process.argv[2] === "push") process.exitCode = runPushCommand(process.argv.slice(2));
else await serve();

async function serve(): Promise<void> {
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
}
