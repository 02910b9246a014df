import cliProgress from "cli-progress";

/** A progress bar on stderr (silent when stderr is not a terminal, e.g. under vitest or in CI). */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

/** Starts a bar that counts up to `total` `unit`s. */
export function startProgress(label: string, total: number, unit: string): Progress {
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: `${label.padEnd(28)} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration_formatted}`,
    hideCursor: true,
    barsize: 30,
  }, cliProgress.Presets.shades_classic);
  bar.start(Math.max(1, Math.round(total)), 0);
  return {
    update: (done) => bar.update(Math.min(Math.round(done), Math.max(1, Math.round(total)))),
    stop: () => bar.stop(),
  };
}
