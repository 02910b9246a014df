import { describeError } from "@chat/client";

export { describeError };

/** Prints the error as `chat: <code>: <message>` on stderr and exits non-zero. */
export function exitWithError(err: unknown): never {
  process.stderr.write(`chat: ${describeError(err).split("\n")[0]}\n`);
  process.exit(1);
}
