import { Code, ConnectError } from "@connectrpc/connect";
import { backoffDelay, LiveSession, UserDirectory } from "@chat/client";
import { Direction, type Message } from "@chat/gen/chat/v1/message_pb.js";
import { connectLoggedIn } from "../connection.ts";
import { describeError } from "../errors.ts";
import { conversationTitle, messageJson, messageLine } from "../format.ts";
import { resolveConversation } from "../targets.ts";
import type { GlobalOptions } from "./auth.ts";
import { readAll } from "./password.ts";

/** Options of the commands that print messages. */
export interface PrintOptions extends GlobalOptions {
  /** One JSON object per line instead of text. */
  json?: boolean;
}


/**
 * `chat send <conversation|@user> [text]`: one unary SendMessage (opening a stream would flash the
 * user "online" to every contact for a second). The text is the argument or, without one, all of
 * standard input. Retried with the same client id while the server is unavailable, which the
 * server dedupes, so a retry never posts twice.
 */
export async function send(target: string, text: string | undefined, options: PrintOptions & { wait: number }): Promise<void> {
  const body = text ?? (await readAll(process.stdin)).replace(/\n$/, "");
  if (body.trim() === "") throw new ConnectError("nothing to send: give a text or pipe one in", Code.InvalidArgument);
  const { clients, config } = await connectLoggedIn(options);
  const clientMessageId = globalThis.crypto.randomUUID();
  const { ack, conversation } = await whileUnavailable(options.wait * 1000, async () => {
    const conversation = await resolveConversation(clients, target, config.userId);
    return { ack: await clients.live.sendMessage({ conversationId: conversation.id, clientMessageId, text: body }), conversation };
  });
  if (options.json) {
    const users = new UserDirectory(clients.users);
    await users.load(conversation.members.map((m) => m.userId));
    const title = conversationTitle(conversation, config.userId, users).replace(/^@/, "");
    console.log(JSON.stringify({ conversation: title, seq: Number(ack.seq), clientMessageId, conversationId: ack.conversationId }));
  }
}

/**
 * Runs `call` again after backoff while it fails with Unavailable, for at most `waitMs` (a restart
 * takes seconds). Says so on stderr at the first failure, with the reason, so that nobody stares
 * at a silent terminal; `--wait 0` fails at once.
 */
async function whileUnavailable<T>(waitMs: number, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (ConnectError.from(err).code !== Code.Unavailable || Date.now() >= deadline) throw err;
      if (attempt === 0) process.stderr.write(`chat: ${describeError(err)}; retrying for up to ${Math.ceil(waitMs / 1000)} s (--wait 0 to fail at once, Ctrl-C to stop)\n`);
      await new Promise((r) => setTimeout(r, Math.min(backoffDelay(attempt), Math.max(0, deadline - Date.now()))));
    }
  }
}

/** `chat history <conversation|@user> [--limit n]`: the newest messages, oldest first. */
export async function history(target: string, options: PrintOptions & { limit: number }): Promise<void> {
  const { clients, config } = await connectLoggedIn(options);
  const conversation = await resolveConversation(clients, target, config.userId);
  const { messages } = await clients.history.listMessages({ conversationId: conversation.id, direction: Direction.BACKWARD, limit: options.limit });
  const users = new UserDirectory(clients.users);
  await users.load(messages.map((m) => m.senderId));
  for (const m of messages.reverse()) console.log(options.json ? messageJson(m, users) : messageLine(m, users));
}

/**
 * `chat tail <conversation|@user>`: prints each new message as it arrives, through the live
 * session, so it survives server restarts without losing or repeating a line. Runs until Ctrl-C.
 */
export async function tail(target: string, options: PrintOptions): Promise<void> {
  const { clients, config } = await connectLoggedIn(options);
  const conversation = await resolveConversation(clients, target, config.userId);
  const users = new UserDirectory(clients.users);
  // Only what comes after now, and nothing replayed from the other conversations.
  const session = new LiveSession({ clients, cursors: [{ conversationId: conversation.id, seq: conversation.lastSeq }], replayUnknown: 0 });
  const print = async (m: Message) => {
    await users.load([m.senderId]);
    console.log(options.json ? messageJson(m, users) : messageLine(m, users));
  };
  let printing = Promise.resolve();
  session.on("message", (m) => {
    if (m.conversationId !== conversation.id) return;
    printing = printing.then(() => print(m)).catch(() => console.log(messageLine(m, users)));
    if (m.senderId !== config.userId) session.markDelivered(m.conversationId, m.seq);
  });
  session.on("state", (state, error) => {
    if (state === "online" || error?.code === Code.Canceled) return;
    process.stderr.write(`chat: ${state}${error ? ` (${describeError(error)})` : ""}\n`);
  });
  const closed = new Promise<ConnectError | undefined>((resolve) => session.on("state", (s, e) => s === "closed" && resolve(e)));
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void session.close());
  session.start();
  const error = await closed;
  await printing;
  if (error && error.code !== Code.Canceled) throw error;
}
