import { expect } from "vitest";
import { loadConfig, settingVariables } from "../../src/config.ts";

/**
 * Asserts that a deployment file's environment for a node (`where` names it in failures) sets only
 * `CHAT_*` variables the server reads, to values its config accepts: a misspelt or retired variable
 * would be ignored silently by the server, so it must fail here instead. Shared by the compose and
 * Kubernetes checks.
 */
export function expectRealSettings(where: string, env: Record<string, string>): void {
  for (const key of Object.keys(env).filter((k) => k.startsWith("CHAT_"))) {
    expect(settingVariables, `${where}: ${key} is not a setting`).toContain(key);
  }
  expect(() => loadConfig([], env), `${where}'s settings`).not.toThrow();
}
