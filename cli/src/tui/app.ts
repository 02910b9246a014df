import { Box, type Key, Text, useInput, usePaste, useWindowSize } from "ink";
import { createElement as h, type ReactElement, useEffect, useState } from "react";
import type { ChatController } from "./controller.ts";
import { type BodyLine, type InputRow, screen } from "./screen.ts";
import { defaultSettings, matchesKey, type TuiSettings } from "./settings.ts";

// Written with createElement (`h`) rather than JSX: Node runs this file as it is, and its type
// stripping does not transform JSX.

/** Colours of the 8 name colours of `nameColor`, readable on dark and light terminals. */
const nameColors = ["blue", "green", "magenta", "cyan", "yellow", "red", "blueBright", "greenBright"];

/** The full-screen client: draws the controller's state and hands it the keys. */
export function App({ controller, settings = defaultSettings }: { controller: ChatController; settings?: TuiSettings }): ReactElement {
  const [state, setState] = useState(controller.state);
  const { columns, rows } = useWindowSize();
  useEffect(() => controller.subscribe(setState), [controller]);
  useEffect(() => controller.resize({ width: columns, height: rows }), [controller, columns, rows]);
  useInput((input, key) => {
    controller.activity();
    onKey(controller, settings, input, key);
  });
  // Bracketed paste: the terminal marks a paste, which then arrives whole, newlines and all.
  usePaste((text) => {
    controller.activity();
    controller.paste(text);
  });

  const c = settings.colors;
  const toneColor: Record<BodyLine["tone"], string | undefined> = { own: c.own, other: undefined, mention: c.mention, info: c.info, error: c.error, marker: c.marker, day: c.day };
  const statusColor: Record<string, string> = { online: c.online, "connecting…": "yellow", "reconnecting…": "yellow", disconnected: c.offline };
  const s = screen(state, { width: columns, height: rows }, Date.now());
  const line = (text: string, props: object = {}, key?: string | number) => h(Text, { key, wrap: "truncate", ...props }, text || " ");
  const body = (l: BodyLine, i: number) => {
    const found = l.found ? { backgroundColor: c.found, color: "black" } : {};
    const props = { color: toneColor[l.tone], bold: l.tone === "mention" || l.tone === "marker" || l.found === true, inverse: l.selected === true, ...found };
    // The sender's name in its own colour (the same person looks the same in every group), and the words a search matched.
    const spans = [
      ...(l.name ? [{ ...l.name, props: { color: nameColors[l.name.color], bold: true } }] : []),
      ...(l.marks ?? []).map((m) => ({ ...m, props: { color: c.match, bold: true } })),
    ].sort((a, b) => a.start - b.start);
    if (spans.length === 0) return line(l.text, props, i);
    const children: (string | ReactElement)[] = [];
    let at = 0;
    spans.forEach((span, j) => {
      children.push(l.text.slice(at, span.start), h(Text, { key: j, ...span.props }, l.text.slice(span.start, span.end)));
      at = span.end;
    });
    return h(Text, { key: i, wrap: "truncate", ...props }, ...children, l.text.slice(at));
  };
  return h(Box, { flexDirection: "column", width: columns, height: rows },
    h(Box, { justifyContent: "space-between", height: 1 },
      line(s.title, { bold: true }),
      line(s.status, { color: statusColor[s.status] ?? "yellow", bold: true })),
    h(Box, { flexGrow: 1, flexDirection: "row" },
      s.sidebarWidth > 0 && h(Box, { flexDirection: "column", width: s.sidebarWidth, flexShrink: 0, borderStyle: "single", borderTop: false, borderBottom: false, borderLeft: false, borderDimColor: true },
        ...s.sidebar.map((row) => line(row.text, { inverse: row.selected, bold: row.unread && !row.muted, dimColor: row.muted }, row.id))),
      h(Box, { flexDirection: "column", flexGrow: 1, paddingLeft: 1 },
        line(s.header, { bold: true, underline: true }),
        ...s.body.map(body))),
    line(s.footer, { italic: true, color: "gray" }),
    ...s.input.map(inputRow));
}

/** An input row with the cursor drawn as an inverted cell. */
function inputRow(row: InputRow, i: number): ReactElement {
  if (row.cursor === undefined) return h(Text, { key: `i${i}`, wrap: "truncate" }, row.text || " ");
  const at = [...new Intl.Segmenter().segment(row.text.slice(row.cursor))][0]?.segment ?? " ";
  return h(Text, { key: `i${i}`, wrap: "truncate" }, row.text.slice(0, row.cursor), h(Text, { inverse: true }, at), row.text.slice(row.cursor + (at === " " && row.cursor >= row.text.length ? 0 : at.length)));
}

/**
 * Keys as a shell's readline has them, plus the chat's own. Text that arrives in one chunk with a
 * newline inside is a paste (from a terminal without bracketed paste): it goes into the input as
 * one message rather than sending each line; Tabs typed faster than a frame each switch.
 */
export function onKey(controller: ChatController, settings: TuiSettings, input: string, key: Key): void {
  const keys = settings.keys;
  if (key.ctrl && input === "c") return void process.kill(process.pid, "SIGINT");
  if (controller.searching && !key.meta) {
    // The search results take the arrows, Enter (on an empty line) and Esc; typing still goes to the input.
    if (key.escape) return controller.closeSearch();
    if (key.upArrow || key.downArrow) return controller.pickHit(key.upArrow ? -1 : 1);
    if (key.return && controller.state.input.trim() === "") return void controller.openHit();
  }
  if (matchesKey(keys.nextUnread, input, key)) return controller.nextUnread();
  if (matchesKey(keys.nextConversation, input, key)) return controller.cycle(1);
  if (matchesKey(keys.previousConversation, input, key)) return controller.cycle(-1);
  if (key.tab) return controller.cycle(key.shift ? -1 : 1);
  if (key.return) return key.meta ? controller.edit({ kind: "insert", text: "\n" }) : controller.submit();
  if (key.meta && (key.upArrow || key.downArrow)) return controller.select(key.upArrow ? -1 : 1);
  if (key.upArrow) return controller.historyBack();
  if (key.downArrow) return controller.historyForward();
  if (key.pageUp) return controller.page(1);
  if (key.pageDown) return controller.page(-1);
  if (key.leftArrow) return controller.edit({ kind: key.ctrl || key.meta ? "wordLeft" : "left" });
  if (key.rightArrow) return controller.edit({ kind: key.ctrl || key.meta ? "wordRight" : "right" });
  if (key.home) return controller.edit({ kind: "home" });
  if (key.end) return controller.edit({ kind: "end" });
  if (key.backspace) return controller.edit({ kind: key.meta ? "deleteWord" : "backspace" });
  if (key.delete) return controller.edit({ kind: "delete" });
  if (key.ctrl) {
    const ops: Record<string, Parameters<ChatController["edit"]>[0]> = {
      a: { kind: "home" }, e: { kind: "end" }, b: { kind: "left" }, f: { kind: "right" }, w: { kind: "deleteWord" },
      u: { kind: "killStart" }, k: { kind: "killEnd" }, d: { kind: "delete" }, h: { kind: "backspace" },
    };
    const op = ops[input];
    return op ? controller.edit(op) : undefined;
  }
  if (key.meta) {
    if (input === "b") return controller.edit({ kind: "wordLeft" });
    if (input === "f") return controller.edit({ kind: "wordRight" });
    return;
  }
  if (key.escape) return controller.select(0);
  if (!input) return;
  typed(controller, settings, input, key);
}

/** True for the control characters other than Tab, LF and CR: Ctrl-A … Ctrl-Z. */
function isCtrlLetter(code: number): boolean {
  return code >= 1 && code <= 26 && code !== 9 && code !== 10 && code !== 13;
}

/**
 * A chunk of typed text: Ctrl keys and Tabs inside it each act (keys pressed faster than a frame
 * arrive together), a newline inside is a paste, one at the end is Enter.
 */
function typed(controller: ChatController, settings: TuiSettings, input: string, key: Key): void {
  const at = [...input].findIndex((ch) => isCtrlLetter(ch.charCodeAt(0)));
  if (at >= 0) {
    const chars = [...input];
    if (at > 0) typed(controller, settings, chars.slice(0, at).join(""), key);
    onKey(controller, settings, String.fromCharCode(chars[at]!.charCodeAt(0) + 96), { ...key, ctrl: true });
    if (at + 1 < chars.length) typed(controller, settings, chars.slice(at + 1).join(""), key);
    return;
  }
  const tabs = input.split("\t");
  if (tabs.length > 1) {
    tabs.forEach((part, i) => {
      if (i > 0) controller.cycle(1);
      if (part) typed(controller, settings, part, key);
    });
    return;
  }
  const body = input.replace(/(\r\n|\r|\n)$/, "");
  if (/[\r\n]/.test(body)) return controller.paste(body);
  if (body) controller.edit({ kind: "insert", text: body });
  if (body !== input) controller.submit();
}
