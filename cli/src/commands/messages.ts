import { Code, ConnectError } from "@connectrpc/connect";
import { backoffDelay, LiveSession, retryAfterMs, UserDirectory } from "@chat/client";
import { type Attachment, Direction, type Message } from "@chat/gen/chat/v1/message_pb.js";
import { connectLoggedIn } from "../connection.ts";
import { describeError } from "../errors.ts";
import { conversationTitle, messageJson, messageLine, userIdsOf } from "../format.ts";
import { resolveConversation } from "../targets.ts";
import type { GlobalOptions } from "./auth.ts";
import { forgetUploads, openFile, upload } from "./file-upload.ts";
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
export async function send(target: string, text: string | undefined, options: PrintOptions & SendFlags): Promise<void> {
  const files = options.file ?? [];
  // With files, the text is their caption and may be left out; without, it is read from stdin.
  const body = text ?? (files.length > 0 ? "" : (await readAll(process.stdin)).replace(/\n$/, ""));
  if (body.trim() === "" && files.length === 0) throw new ConnectError("nothing to send: give a text or pipe one in", Code.InvalidArgument);
  const blobs = await Promise.all(files.map(openFile));
  const { clients, config } = await connectLoggedIn(options);
  const clientMessageId = globalThis.crypto.randomUUID();
  const conversation = await whileRetryable(options.wait * 1000, () => resolveConversation(clients, target, config.userId));
  const attachments: Attachment[] = [];
  for (const file of blobs) attachments.push(await upload(clients, file, options));
  const ack = await whileRetryable(options.wait * 1000, () => clients.live.sendMessage({
    conversationId: conversation.id, clientMessageId, text: body, replyToSeq: options.replyTo ?? 0n, attachmentIds: attachments.map((a) => a.id),
  }));
  await forgetUploads(blobs);
  if (options.json) {
    const users = new UserDirectory(clients.users);
    await users.load(conversation.members.map((m) => m.userId));
    const title = conversationTitle(conversation, config.userId, users).replace(/^@/, "");
    console.log(JSON.stringify({ conversation: title, seq: Number(ack.seq), clientMessageId, conversationId: ack.conversationId }));
  }
}

/** Flags of `chat send`. */
export interface SendFlags {
  /** Seconds to keep retrying while the server is unavailable or rate-limits the sender. */
  wait: number;
  /** The seq of the message this one answers. */
  replyTo?: bigint;
  /** Files to attach (uploaded first, then sent with the text as their caption). */
  file?: string[];
}

/**
 * Runs `call` again while it fails with Unavailable (after backoff: a restart takes seconds) or with a
 * rate limit (ResourceExhausted carrying `retry-after`: after at least that long), for at most `waitMs`.
 * A wait that would end past `waitMs` fails at once rather than sleep to fail. Says so on stderr at the
 * first failure, with the reason, so that nobody stares at a silent terminal; `--wait 0` fails at once.
 * The call keeps its client_message_id across attempts, so a retry never sends twice.
 */
export async function whileRetryable<T>(waitMs: number, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const error = ConnectError.from(err);
      const asked = error.code === Code.ResourceExhausted ? retryAfterMs(error) : undefined;
      if (error.code !== Code.Unavailable && asked === undefined) throw err;
      const delay = Math.max(backoffDelay(attempt), asked ?? 0);
      if (Date.now() >= deadline || (asked !== undefined && Date.now() + asked > deadline)) throw err;
      if (attempt === 0) process.stderr.write(`chat: ${describeError(err)}; retrying for up to ${Math.ceil(waitMs / 1000)} s (--wait 0 to fail at once, Ctrl-C to stop)\n`);
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
    }
  }
}

/**
 * `chat history <conversation|@user> [--limit n] [--around seq]`: the newest messages, or with
 * `--around` those on both sides of one (a search hit in its context), oldest first.
 */
export async function history(target: string, options: PrintOptions & { limit: number; around?: bigint }): Promise<void> {
  const { clients, config } = await connectLoggedIn(options);
  const conversation = await resolveConversation(clients, target, config.userId);
  const conversationId = conversation.id;
  const around = options.around;
  const before = around !== undefined ? Math.ceil(options.limit / 2) : options.limit;
  const page = await clients.history.listMessages({ conversationId, anchorSeq: around !== undefined ? around + 1n : 0n, direction: Direction.BACKWARD, limit: before });
  const after = around !== undefined && options.limit > before
    ? (await clients.history.listMessages({ conversationId, anchorSeq: around, direction: Direction.FORWARD, limit: options.limit - before })).messages.reverse()
    : [];
  // The page holds every message in its current state: the update entries have nothing more to say.
  const messages = [...after, ...page.messages].filter((m) => m.content.case !== "update");
  const users = new UserDirectory(clients.users);
  await users.load(messages.flatMap(userIdsOf));
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
  // An update entry prints the message it changed, as it is now: a reader of the lines (or of the
  // JSON) replaces what it had for that seq.
  const print = async (m: Message) => {
    await users.load(userIdsOf(m));
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
