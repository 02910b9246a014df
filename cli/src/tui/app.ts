import { Box, type Key, Text, useInput, useWindowSize } from "ink";
import { createElement as h, type ReactElement, useEffect, useState } from "react";
import type { ChatController } from "./controller.ts";
import { screen, sidebarWidth, type Tone } from "./screen.ts";

// Written with createElement (`h`) rather than JSX: Node runs this file as it is, and its type
// stripping does not transform JSX.

const toneColor: Record<Tone, string | undefined> = { own: "cyan", other: undefined, info: "gray", error: "red" };
const statusColor: Record<string, string> = { online: "green", "connecting…": "yellow", "reconnecting…": "yellow", disconnected: "red" };

/** The full-screen client: draws the controller's state and hands it the keys. */
export function App({ controller }: { controller: ChatController }): ReactElement {
  const [state, setState] = useState(controller.state);
  const { columns, rows } = useWindowSize();
  useEffect(() => controller.subscribe(setState), [controller]);
  useEffect(() => controller.resize({ width: columns, height: rows }), [controller, columns, rows]);
  useInput((input, key) => onKey(controller, input, key));

  const s = screen(state, { width: columns, height: rows }, Date.now());
  const line = (text: string, props: object = {}, key?: string | number) => h(Text, { key, wrap: "truncate", ...props }, text || " ");
  return h(Box, { flexDirection: "column", width: columns, height: rows },
    h(Box, { justifyContent: "space-between", height: 1 },
      line(s.title, { bold: true }),
      line(s.status, { color: statusColor[s.status] ?? "yellow", bold: true })),
    h(Box, { flexGrow: 1, flexDirection: "row" },
      h(Box, { flexDirection: "column", width: sidebarWidth, flexShrink: 0, borderStyle: "single", borderTop: false, borderBottom: false, borderLeft: false, borderDimColor: true },
        ...s.sidebar.map((row) => line(row.text, { inverse: row.selected, bold: row.unread }, row.id))),
      h(Box, { flexDirection: "column", flexGrow: 1, paddingLeft: 1 },
        line(s.header, { bold: true, underline: true }),
        ...s.body.map((l, i) => line(l.text, { color: toneColor[l.tone] }, i)))),
    line(s.footer, { italic: true, color: "gray" }),
    line(s.input));
}

function onKey(controller: ChatController, input: string, key: Key): void {
  const text = controller.state.input;
  if (key.ctrl && input === "c") return void process.kill(process.pid, "SIGINT");
  if (key.tab || (key.ctrl && input === "k")) return controller.cycle(key.shift ? -1 : 1);
  if (key.return) return controller.submit();
  if (key.upArrow) return controller.scroll(1);
  if (key.downArrow) return controller.scroll(-1);
  if (key.pageUp) return controller.page(1);
  if (key.pageDown) return controller.page(-1);
  if (key.end) return controller.scroll(-Number.MAX_SAFE_INTEGER);
  if (key.backspace || key.delete) return controller.edit([...text].slice(0, -1).join(""));
  if (key.ctrl && input === "u") return controller.edit("");
  if (key.ctrl || key.meta || key.escape || !input) return;
  // A paste, or keys that came faster than a frame, arrive as one chunk: Enter inside it submits.
  const [first = "", ...rest] = input.split(/\r\n|\r|\n/);
  controller.edit(text + first);
  for (const part of rest) {
    controller.submit();
    if (part) controller.edit(part);
  }
}
