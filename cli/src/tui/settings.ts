import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { configDir } from "../config.ts";

/**
 * The interactive client's settings, from `tui.json` beside `config.json` (which the client
 * rewrites on login; this one only a person writes). Every field is optional; a bad one is named
 * in the error, so a typo does not go unnoticed.
 */
export interface TuiSettings {
  /** When the terminal bell rings: for every new message elsewhere, for direct messages and mentions of me, or never. */
  bell: "all" | "mentions" | "off";
  /** A message of more lines than this (a paste) is sent only after a second Enter. */
  pasteConfirmLines: number;
  /** Start in compact mode: no times before messages (`/compact` switches). */
  compact: boolean;
  /** Show me as away after this many minutes without a key pressed (0: never); back to online at the next key. */
  awayAfterMinutes: number;
  /** Ink colour names ("cyan", "#ff8800") of what the screen draws. */
  colors: Record<ColorRole, string>;
  /** Key bindings: "C-n" is Ctrl-N, "M-a" is Alt-A (or Esc then a). */
  keys: Record<KeyAction, string>;
}

/** What the settings colour. */
export type ColorRole = "own" | "mention" | "info" | "error" | "marker" | "day" | "online" | "offline" | "match" | "found";
/** What keys can be rebound. */
export type KeyAction = "nextConversation" | "previousConversation" | "nextUnread";

/** The settings without a file. */
export const defaultSettings: TuiSettings = {
  bell: "mentions",
  pasteConfirmLines: 5,
  compact: false,
  awayAfterMinutes: 10,
  colors: { own: "cyan", mention: "yellow", info: "gray", error: "red", marker: "magenta", day: "gray", online: "green", offline: "red", match: "yellow", found: "yellow" },
  keys: { nextConversation: "C-n", previousConversation: "C-p", nextUnread: "M-a" },
};

/** The settings file's path. */
export function settingsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), "tui.json");
}

const keySpec = /^(C-|M-)[a-z]$/;

/** Reads the settings file over the defaults; no file means the defaults. */
export async function readSettings(env: NodeJS.ProcessEnv = process.env): Promise<TuiSettings> {
  let text: string;
  try {
    text = await readFile(settingsPath(env), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return defaultSettings;
    throw new Error(`cannot read ${settingsPath(env)}: ${(err as Error).message}`);
  }
  return parseSettings(text, settingsPath(env));
}

/** The settings a file's text gives; throws naming the first bad field. */
export function parseSettings(text: string, where = "tui.json"): TuiSettings {
  let raw: Partial<TuiSettings>;
  try {
    raw = JSON.parse(text) as Partial<TuiSettings>;
  } catch (err) {
    throw new Error(`${where}: not JSON: ${(err as Error).message}`);
  }
  const bad = (field: string, want: string) => new Error(`${where}: "${field}" must be ${want}`);
  const settings: TuiSettings = {
    bell: raw.bell ?? defaultSettings.bell,
    pasteConfirmLines: raw.pasteConfirmLines ?? defaultSettings.pasteConfirmLines,
    compact: raw.compact ?? defaultSettings.compact,
    awayAfterMinutes: raw.awayAfterMinutes ?? defaultSettings.awayAfterMinutes,
    colors: { ...defaultSettings.colors, ...raw.colors },
    keys: { ...defaultSettings.keys, ...raw.keys },
  };
  if (!["all", "mentions", "off"].includes(settings.bell)) throw bad("bell", `"all", "mentions" or "off"`);
  if (!Number.isInteger(settings.pasteConfirmLines) || settings.pasteConfirmLines < 1) throw bad("pasteConfirmLines", "a whole number of at least 1");
  if (typeof settings.compact !== "boolean") throw bad("compact", "true or false");
  if (typeof settings.awayAfterMinutes !== "number" || !(settings.awayAfterMinutes >= 0) || settings.awayAfterMinutes > 1440) throw bad("awayAfterMinutes", "a number of minutes from 0 (never) to 1440");
  for (const [role, color] of Object.entries(settings.colors)) {
    if (!(role in defaultSettings.colors)) throw bad(`colors.${role}`, `one of ${Object.keys(defaultSettings.colors).join(", ")}`);
    if (typeof color !== "string" || !color) throw bad(`colors.${role}`, "a colour name or #rrggbb");
  }
  for (const [action, key] of Object.entries(settings.keys)) {
    if (!(action in defaultSettings.keys)) throw bad(`keys.${action}`, `one of ${Object.keys(defaultSettings.keys).join(", ")}`);
    if (typeof key !== "string" || !keySpec.test(key)) throw bad(`keys.${action}`, `a key like "C-n" or "M-a"`);
  }
  return settings;
}

/** True when a key press (Ink's input and modifiers) is the key `spec` names. */
export function matchesKey(spec: string, input: string, key: { ctrl: boolean; meta: boolean }): boolean {
  const ctrl = spec.startsWith("C-");
  return input === spec.slice(2) && (ctrl ? key.ctrl : key.meta);
}
