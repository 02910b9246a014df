import { ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";

/**
 * One line naming what went wrong: the Connect code as the API spells it ("not_found") and the
 * server's message, so that a script can match on the code and a person can act on the message.
 */
export function describeError(err: unknown): string {
  if (err instanceof ConnectError) return `${codeToString(err.code)}: ${err.rawMessage}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
