/** Placeholder until the interactive client lands. */
export async function runTui(_options: { server?: string }): Promise<void> {
  throw new Error("the interactive client is not there yet: use the subcommands (chat --help)");
}
