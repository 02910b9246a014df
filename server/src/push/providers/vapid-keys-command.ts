import webpush from "web-push";

/**
 * `chat-server push vapid-keys`: prints a new VAPID key pair as the JSON `--push-vapid-keys-file` reads.
 * Generate it once per deployment and keep it: browsers' subscriptions are bound to the public key, so
 * a new pair makes every Web Push endpoint refuse this server until its client subscribes again.
 * Returns the exit code.
 */
export function runPushCommand(argv: string[], print: (line: string) => void = console.log, complain: (line: string) => void = console.error): number {
  if (argv[0] !== "push" || argv[1] !== "vapid-keys" || argv.length > 2) {
    complain("usage: chat-server push vapid-keys > vapid.json    (a new VAPID key pair for --push-vapid-keys-file)");
    return 2;
  }
  print(JSON.stringify(webpush.generateVAPIDKeys(), null, 2));
  return 0;
}
