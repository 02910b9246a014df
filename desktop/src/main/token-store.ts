import { readFile, rm, writeFile } from "node:fs/promises";
import { safeStorage } from "electron";

/**
 * The bearer token on disk, encrypted with the OS keychain (Keychain, DPAPI, libsecret/kwallet)
 * through Electron's safeStorage. Nothing is written in clear: where the OS offers no encryption,
 * saving fails and the person logs in again next time.
 */
export class TokenStore {
  private readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** The saved token, or undefined when there is none or it cannot be decrypted any more. */
  async load(): Promise<string | undefined> {
    try {
      return safeStorage.decryptString(await readFile(this.path));
    } catch {
      return undefined;
    }
  }

  async save(token: string): Promise<void> {
    if (!safeStorage.isEncryptionAvailable()) throw new Error("this system offers no encrypted storage: the token is not saved");
    await writeFile(this.path, safeStorage.encryptString(token), { mode: 0o600 });
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
