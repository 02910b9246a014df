#!/usr/bin/env node
// What tokenizing one message for the search index costs, the ASCII fast path against Intl.Segmenter
// over the whole text (what indexTerms was before it, kept as segmenterTokenize), for docs/benchmarks.md:
//
//   node bench/src/search/tokenize-cost.ts [rounds=3]
//
// Three texts of 10–12 words: plain English (ASCII), the append-cost bench's mix (an accented, an
// emoji and a CJK word in each) and Russian with a number. 100,000 calls per text, variant and round,
// the two variants alternating. Prints µs per call.
import { indexTerms, segmenterTokenize } from "../../../server/src/core/search/tokenize.ts";

const rounds = Number(process.argv[2] ?? 3);
const words = ["hello", "world", "meeting", "tomorrow", "lunch", "café", "report", "deadline", "👍", "東京"];
const texts = {
  ascii: Array.from({ length: 100 }, (_, i) => `Hey, are we still on for the ${i} o'clock meeting tomorrow? I'll bring the report.`),
  mixed: Array.from({ length: 100 }, (_, i) => Array.from({ length: 10 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" ")),
  russian: Array.from({ length: 100 }, (_, i) => `Привет, мы всё ещё встречаемся завтра в ${i} часов? Я принесу отчёт.`),
};
const variants = {
  segmenter: (text: string) => [...new Set(segmenterTokenize(text).map((t) => t.word))],
  "fast path": indexTerms,
};
const calls = 100_000;
for (const [name, list] of Object.entries(texts)) {
  const results: Record<string, number[]> = { segmenter: [], "fast path": [] };
  for (let r = 0; r < rounds; r++) {
    for (const [label, f] of Object.entries(variants)) {
      const started = performance.now();
      for (let i = 0; i < calls; i++) f(list[i % list.length]!);
      results[label]!.push(((performance.now() - started) * 1000) / calls);
    }
  }
  const line = Object.entries(results).map(([label, us]) => {
    const sorted = [...us].sort((a, b) => a - b);
    return `${label} ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} µs [${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)}]`;
  });
  console.log(`${name}: ${line.join(", ")}`);
}
