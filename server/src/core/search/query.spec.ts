import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { decodePageToken, encodePageToken } from "./page-token.ts";
import { parseQuery, queryLimits } from "./query.ts";

/** The InvalidArgument message a bad query gets. */
function refusal(query: string): string {
  try {
    parseQuery(query);
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    return (err as ConnectError).rawMessage;
  }
  throw new Error(`"${query}" was accepted`);
}

describe("search query syntax", () => {
  it("words are folded and cut by the index's tokenizer, each once", () => {
    expect(parseQuery("Café  CAFE, naïve-ish 東京タワー")).toMatchObject({
      words: ["cafe", "naive", "ish", "東京タワー"], prefixes: [], phrases: [], from: [], has: undefined,
    });
  });

  it("a phrase requires its words and is kept in order to check on the text; a one-word phrase is a word", () => {
    expect(parseQuery('"Quick brown" fox "alone"')).toMatchObject({
      words: ["quick", "brown", "fox", "alone"], phrases: [["quick", "brown"]],
    });
    expect(refusal('say "unclosed')).toMatch(/closing/);
  });

  it("a prefix needs two letters before its *", () => {
    expect(parseQuery("cat* Éc*")).toMatchObject({ words: [], prefixes: ["cat", "ec"] });
    expect(parseQuery("foo-ba*")).toMatchObject({ words: ["foo"], prefixes: ["ba"] });
    for (const bad of ["c*", "*", "ab**", "!!*"]) expect(refusal(bad)).toMatch(/at least 2 letters/);
  });

  it("filters: from:, in:, has:, and dates as UTC days", () => {
    const q = parseQuery("from:@Alice from:@bob in:#Team in:@carol has:file has:image after:2026-01-01 before:2026-03-01 on:2026-02-10");
    expect(q).toMatchObject({ words: [], from: ["alice", "bob"], inGroups: ["team"], inDirect: ["carol"], has: "image" });
    expect(q.sentFrom).toEqual(new Date("2026-02-10T00:00:00Z"));
    expect(q.sentUntil).toEqual(new Date("2026-02-11T00:00:00Z"));
    expect(parseQuery("after:2026-01-31").sentFrom).toEqual(new Date("2026-02-01T00:00:00Z"));
    expect(parseQuery('in:#"Team  Rocket" hi')).toMatchObject({ inGroups: ["team  rocket"], words: ["hi"] });
    expect(parseQuery("hi before:2026-01-31")).toMatchObject({ words: ["hi"], sentUntil: new Date("2026-01-31T00:00:00Z") });
  });

  it("refuses each bad input with a message that names it", () => {
    expect(refusal("")).toMatch(/empty/);
    expect(refusal("   ")).toMatch(/empty/);
    expect(refusal("x".repeat(queryLimits.maxLength + 1))).toMatch(/at most 256/);
    expect(refusal(Array.from({ length: 17 }, (_, i) => `w${i}`).join(" "))).toMatch(/17 words; at most 16/);
    expect(refusal(`"${Array.from({ length: 9 }, (_, i) => `w${i}`).join(" ")}" aa* bb* cc* dd* ee* ff* gg* hh*`)).toMatch(/at most 16/);
    expect(refusal("!!! ???")).toMatch(/no words/);
    expect(refusal("https://example.com")).toMatch(/unknown filter "https:"/);
    expect(refusal("from:alice")).toMatch(/from:alice/);
    expect(refusal("from:@a")).toMatch(/username/);
    expect(refusal("in:team")).toMatch(/in:#groupname or in:@username/);
    expect(refusal("in:#")).toMatch(/in:#groupname/);
    expect(refusal("has:video")).toMatch(/has:file or has:image/);
    for (const date of ["2026-02-30", "2026-1-1", "yesterday", "2026-13-01"]) expect(refusal(`on:${date}`)).toMatch(/YYYY-MM-DD/);
  });

  it("accepts 16 words, 256 characters, and a quoted word with a colon", () => {
    expect(parseQuery(Array.from({ length: 16 }, (_, i) => `w${i}`).join(" ")).words).toHaveLength(16);
    expect(parseQuery(`${"x".repeat(255)} `).words).toHaveLength(1);
    expect(parseQuery('"https://example.com"').words).toEqual(["https", "example.com"]);
  });
});

describe("search page tokens", () => {
  const position = { sentAt: new Date(1_780_000_000_123), conversationId: "0b1f8a4e-2c3d-4e5f-8a9b-0c1d2e3f4a5b", seq: 42 };

  it("round-trip a position", () => {
    expect(decodePageToken(encodePageToken(position))).toEqual(position);
  });

  it("refuse what this server did not give with InvalidArgument", () => {
    const good = encodePageToken(position);
    const forged = (text: string) => Buffer.from(text).toString("base64url");
    for (const bad of ["x", "!!", good.slice(0, -3), "a".repeat(200), forged("v2.1.0b1f8a4e-2c3d-4e5f-8a9b-0c1d2e3f4a5b.1"),
      forged(`v1.1.${position.conversationId}.0`), forged(`v1.-1.${position.conversationId}.1`), forged("v1.1.conv.1"),
      forged(`v1.1.${position.conversationId}.1.extra`)]) {
      expect(() => decodePageToken(bad), bad).toThrow(expect.objectContaining({ code: Code.InvalidArgument }));
    }
  });
});
