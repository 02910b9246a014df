import { Code, ConnectError } from "@connectrpc/connect";
import { UserDirectory } from "@chat/client";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import { connectLoggedIn } from "../connection.ts";
import { messageJson, userIdsOf } from "../format.ts";
import { resolveConversation } from "../targets.ts";
import { type PrintOptions, whileRetryable } from "./messages.ts";
import { readAll } from "./password.ts";

/**
 * `chat edit`, `chat delete` and `chat react`: one unary call each (EditMessage, DeleteMessage,
 * SetReaction), retried with the same client message id while the server is unavailable, which the
 * server dedupes like a send. Quiet on success; `--json` prints the message as it is now.
 */

/** Options of the commands that change a message. */
export interface ChangeOptions extends PrintOptions {
  wait: number;
}

/** A seq as people type it: `12` or `#12`; InvalidArgument for anything else. */
export function parseSeq(value: string): bigint {
  const digits = value.replace(/^#/, "");
  if (!/^[0-9]{1,19}$/.test(digits) || BigInt(digits) < 1n) {
    throw new ConnectError(`"${value}" is not a message number: give its seq, as \`chat history\` shows it (#12)`, Code.InvalidArgument);
  }
  return BigInt(digits);
}

/** `chat edit <conversation> <seq> [text]`: replaces the text of one of my messages (text from stdin when not given). */
export async function editMessage(target: string, seq: string, text: string | undefined, options: ChangeOptions): Promise<void> {
  const at = parseSeq(seq);
  const body = text ?? (await readAll(process.stdin)).replace(/\n$/, "");
  if (body.trim() === "") throw new ConnectError("no new text: give one or pipe one in (`chat delete` removes a message)", Code.InvalidArgument);
  await change(target, options, (clients, conversationId, clientMessageId) => clients.live.editMessage({ conversationId, seq: at, clientMessageId, text: body }));
}

/** `chat delete <conversation> <seq>`: deletes a message for everyone (mine, or any as a group admin). */
export async function deleteMessage(target: string, seq: string, options: ChangeOptions): Promise<void> {
  const at = parseSeq(seq);
  await change(target, options, (clients, conversationId, clientMessageId) => clients.live.deleteMessage({ conversationId, seq: at, clientMessageId }));
}

/** `chat react <conversation> <seq> <emoji> [--remove]`: adds (or removes) my reaction. */
export async function react(target: string, seq: string, emoji: string, options: ChangeOptions & { remove?: boolean }): Promise<void> {
  const at = parseSeq(seq);
  if (emoji.trim() === "" || new TextEncoder().encode(emoji).length > 32) throw new ConnectError("an emoji is one emoji (at most 32 bytes), e.g. 👍", Code.InvalidArgument);
  await change(target, options, (clients, conversationId, clientMessageId) => clients.live.setReaction({ conversationId, seq: at, clientMessageId, emoji, reacted: !options.remove }));
}

type Clients = Awaited<ReturnType<typeof connectLoggedIn>>["clients"];

/** Resolves the conversation, makes the call (retried while unavailable) and prints the result with `--json`. */
async function change(target: string, options: ChangeOptions, call: (clients: Clients, conversationId: string, clientMessageId: string) => Promise<{ message?: Message }>): Promise<void> {
  const { clients, config } = await connectLoggedIn(options);
  const clientMessageId = globalThis.crypto.randomUUID();
  const conversation = await whileRetryable(options.wait * 1000, () => resolveConversation(clients, target, config.userId));
  const { message } = await whileRetryable(options.wait * 1000, () => call(clients, conversation.id, clientMessageId));
  if (!options.json || !message) return;
  const users = new UserDirectory(clients.users);
  await users.load(userIdsOf(message));
  console.log(messageJson(message, users));
}
