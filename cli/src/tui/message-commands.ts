import { type ChatClients, type ChatModel, formatSize, type ShownMessage } from "@chat/client";
import { openFile, upload } from "../commands/file-upload.ts";
import { statusSentence } from "../commands/status.ts";
import type { SlashCommand } from "./slash-commands.ts";
import type { Action, ViewState } from "./view-model.ts";

/** The commands about one message, and /status. */
export type MessageCommand = Extract<SlashCommand, { kind: "reply" | "react" | "edit" | "delete" | "status" | "file" }>;

/** What a message command can do to the screen besides the model. */
export interface MessageCommandContext {
  model: ChatModel<ViewState, Action>;
  /** Where files go up (`/file`). */
  files: ChatClients;
  notice(text: string): void;
  /** Puts text into the input line (`/edit` without text loads the message to change it). */
  setInput(text: string): void;
}

/**
 * Runs /reply, /react, /edit, /delete and /status in the open conversation. A command is about the
 * message it names (#12), else the one picked with Alt-↑/↓, else the obvious one: my newest message
 * for /edit and /delete, the newest from someone else for /reply, the newest for /react. The
 * server's refusals (not yours, deleted, too many reactions) come back as the notice.
 */
export async function runMessageCommand(command: MessageCommand, context: MessageCommandContext): Promise<void> {
  const { model, notice } = context;
  const state = model.state;
  if (command.kind === "status") return status(command, context);
  const open = state.openId ? state.conversations[state.openId] : undefined;
  if (!open) return notice("no conversation open");
  if (command.kind === "file") return sendFile(open.id, command, context);
  const seq = command.seq ?? state.selected;
  const fallback = command.kind === "reply" ? "others" : command.kind === "react" ? "any" : "mine";
  const target = seq !== undefined ? open.messages.find((m) => m.seq === seq) : newest(open.messages, state.me, fallback);
  const at = target?.seq ?? seq;
  if (at === undefined) return notice(fallback === "mine" ? "you have not written here yet" : "no message to do that to");
  model.dispatch({ type: "select", step: 0 });
  switch (command.kind) {
    case "reply":
      model.send(open.id, command.text, { replyToSeq: at });
      return notice("");
    case "react": {
      const added = await model.react(open.id, at, command.emoji);
      return notice(added ? `reacted ${command.emoji} to #${at}` : `took back ${command.emoji} from #${at}`);
    }
    case "edit":
      if (command.text.trim() === "") {
        if (!target) return notice(`#${at} is not loaded: scroll up to it, or give the new text`);
        return context.setInput(`/edit #${at} ${target.text}`);
      }
      await model.edit(open.id, at, command.text);
      return notice(`edited #${at}`);
    case "delete":
      await model.remove(open.id, at);
      return notice(`deleted #${at} for everyone`);
  }
}

/** My newest message, the newest of someone else, or the newest, leaving out tombstones and system events. */
function newest(messages: ShownMessage[], me: string, whose: "mine" | "others" | "any"): ShownMessage | undefined {
  return messages.findLast((m) => !m.deleted && !m.system && (whose === "any" || (m.senderId === me) === (whose === "mine")));
}

async function status(command: Extract<MessageCommand, { kind: "status" }>, { model, notice }: MessageCommandContext): Promise<void> {
  const mine = () => model.state.statuses[model.state.me] ?? { availability: "online" as const, text: "" };
  if (command.availability === undefined && command.text === undefined) return notice(`your status: ${statusSentence(mine())} (/status busy in a meeting, /status clear)`);
  await model.setStatus({ ...(command.availability ? { availability: command.availability } : {}), ...(command.text !== undefined ? { text: { text: command.text } } : {}) });
  notice(`your status: ${statusSentence(mine())}`);
}

/**
 * `/file path [caption]`: uploads the file in chunks (its progress in the footer), then sends it
 * as a reply to the picked message when one is picked. An upload cut off is taken up again by the
 * next `/file` of the same file.
 */
async function sendFile(conversationId: string, command: Extract<MessageCommand, { kind: "file" }>, context: MessageCommandContext): Promise<void> {
  const { model, notice } = context;
  const file = await openFile(command.path.replace(/^~(?=\/)/, process.env.HOME ?? "~"));
  const progress = Object.assign((sent: number, size: number) => notice(`uploading ${file.name}: ${formatSize(sent)} of ${formatSize(size)}`), { done: () => {} });
  const attachment = await upload(context.files, file, { wait: 30, progress });
  const replyToSeq = model.state.selected;
  model.dispatch({ type: "select", step: 0 });
  model.send(conversationId, command.caption, { ...(replyToSeq ? { replyToSeq } : {}), attachments: [attachment] });
  notice(`sent ${file.name} (${formatSize(file.size)})`);
}
