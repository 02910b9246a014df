import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The palette's contrast, read from styles.css itself: every text colour against every background
 * it is drawn on, in the light and the dark theme, meets WCAG AA for text (4.5:1), and so do the
 * presence dots (which also differ in shape, so status is never colour alone).
 */
const css = readFileSync(join(import.meta.dirname, "..", "src", "renderer", "styles.css"), "utf8");

/** The custom properties of the first block after `marker` (`:root {` or the dark media query). */
function palette(marker: string): Record<string, string> {
  const start = css.indexOf(marker);
  const block = css.slice(start, css.indexOf("}", start));
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1]!, m[2]!]));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG contrast ratio of two colours. */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const names = Array.from({ length: 8 }, (_, i) => `name-${i}`);
/** Foreground → the backgrounds it appears on. */
const pairs: [string, string[]][] = [
  ["text", ["bg", "panel", "own", "other", "mention-bg", "warn", "error-bg", "highlight"]],
  ["muted", ["bg", "panel", "other"]],
  ["muted-on-own", ["own"]],
  ["accent", ["bg", "panel", "other", "mention-bg"]],
  ["accent-text", ["accent"]],
  ["error", ["panel", "error-bg"]],
  ["marker", ["bg"]],
  ["online", ["panel", "own"]],
  ["offline", ["panel", "own"]],
  ["away", ["panel", "own"]],
  ["busy", ["panel", "own"]],
  ...names.map((n): [string, string[]] => [n, ["other", "panel"]]),
];

describe.each([["light", ":root {"], ["dark", "prefers-color-scheme: dark"]])("the %s palette", (_theme, marker) => {
  const colors = palette(marker);
  it.each(pairs)("%s is readable on its backgrounds", (fg, backgrounds) => {
    for (const bg of backgrounds) {
      expect(colors[fg], `--${fg}`).toBeDefined();
      expect(colors[bg], `--${bg}`).toBeDefined();
      expect(contrast(colors[fg]!, colors[bg]!), `--${fg} on --${bg}`).toBeGreaterThanOrEqual(4.5);
    }
  });
});
