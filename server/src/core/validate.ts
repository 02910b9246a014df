import { invalidArgument } from "./errors.ts";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const usernamePattern = /^[a-z0-9_.-]{3,32}$/;

/** The limits the API documents; the server refuses anything beyond them with InvalidArgument. */
export const limits = {
  maxTextBytes: 64 * 1024,
  maxClientMessageIdLength: 64,
  maxGroupNameLength: 100,
  maxDisplayNameLength: 64,
  maxDeviceNameLength: 64,
  minPasswordLength: 8,
  maxPasswordLength: 256,
  maxGroupMembers: 1000,
  maxLookup: 100,
  maxCursors: 10_000,
  maxHistoryPage: 500,
  defaultHistoryPage: 50,
  maxSearchQueryLength: 64,
  maxSearchPage: 50,
  defaultSearchPage: 20,
} as const;

/** Checks a server-assigned id (a canonical lower-case UUID); `what` names it in the error. */
export function requireId(value: string, what: string): string {
  if (!value) throw invalidArgument(`${what} is required`);
  if (!uuidPattern.test(value)) throw invalidArgument(`${what} "${clip(value)}" is not a valid id (expected a UUID)`);
  return value;
}

/** Normalizes a username ("@Alice" → "alice") and checks its form. */
export function requireUsername(value: string): string {
  const name = value.trim().replace(/^@/, "").toLowerCase();
  if (!usernamePattern.test(name)) {
    throw invalidArgument(`username "${clip(value)}" must be 3 to 32 characters of a-z, 0-9, "_", "." or "-"`);
  }
  return name;
}

/** Whether a lower-case name is a well-formed username. */
export function isUsername(name: string): boolean {
  return usernamePattern.test(name);
}

/** Checks the text of a message: not blank, at most 64 KiB of UTF-8. */
export function requireText(text: string): string {
  if (text.trim() === "") throw invalidArgument("message text is empty");
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limits.maxTextBytes) {
    throw invalidArgument(`message text is ${bytes} bytes; the limit is ${limits.maxTextBytes} bytes (64 KiB)`);
  }
  return text;
}

/** Checks a client message id: 1 to 64 characters. */
export function requireClientMessageId(id: string): string {
  if (!id) throw invalidArgument("client_message_id is required (a UUID chosen by the client)");
  if (id.length > limits.maxClientMessageIdLength) {
    throw invalidArgument(`client_message_id is longer than ${limits.maxClientMessageIdLength} characters`);
  }
  return id;
}

/** Checks the length of a free-text field; `min` 0 makes it optional. */
export function requireLength(value: string, what: string, min: number, max: number): string {
  const length = [...value].length;
  if (length < min) throw invalidArgument(min === 1 ? `${what} is required` : `${what} must be at least ${min} characters`);
  if (length > max) throw invalidArgument(`${what} must be at most ${max} characters`);
  return value;
}

/** Shortens user input quoted back in an error message. */
function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
