import type { PushQueue } from "../engines/push-queue/interface.ts";
import type { SessionMap } from "../engines/sessions/interface.ts";
import type { Store } from "../engines/store/interface.ts";
import type { SentEntry } from "../core/messages/messages.ts";
import type { PushProviderKind } from "./providers/provider.ts";
import { PushRegistry } from "./push-registry.ts";
import { PushTrigger, sentMessageOf } from "./push-trigger.ts";
import { type ConfiguredProviders, PushWorker, type PushWorkerOptions } from "./push-worker.ts";

/** The push services a node has credentials for (push/providers/push-providers.ts builds them). */
export interface NodeProviders extends ConfiguredProviders {
  /** The configured kinds: what endpoints may be registered for. */
  readonly kinds: readonly PushProviderKind[];
  /** The VAPID public key browsers subscribe with; "" without Web Push. */
  readonly webPushPublicKey: string;
  close(): Promise<void>;
}

/** Options of {@link createPush}: the worker's tunables, and the engines the push parts share. */
export interface PushOptions extends Pick<PushWorkerOptions, "concurrency" | "retry" | "ttlSeconds" | "onError" | "log"> {
  store: Store;
  sessions: SessionMap;
  queue: PushQueue;
  providers: NodeProviders;
  /** The node's id: its worker's name in the queue. */
  nodeId: string;
}

/** Push notifications on one node: the registry behind PushService, the trigger, the worker. */
export interface Push {
  readonly registry: PushRegistry;
  readonly trigger: PushTrigger;
  readonly worker: PushWorker;
  readonly providers: NodeProviders;
  /** Hears each new message (Messages.onSent): enqueues its pushes in the background. */
  onSent(sent: SentEntry): void;
  /** Starts the worker. */
  start(): void;
  /** Stops taking jobs, finishes those in flight, closes the providers (the queue is the engines'). */
  close(): Promise<void>;
}

/** Wires push notifications for a node. */
export function createPush(options: PushOptions): Push {
  const { store, sessions, queue, providers, onError, log } = options;
  const registry = new PushRegistry({ store, configured: providers.kinds });
  const trigger = new PushTrigger({ queue, store, sessions, onError, log });
  const worker = new PushWorker({
    queue, store, sessions, providers, consumer: options.nodeId, concurrency: options.concurrency, retry: options.retry,
    ttlSeconds: options.ttlSeconds, onError, log,
  });
  return {
    registry, trigger, worker, providers,
    onSent(sent) {
      // No provider, no endpoint can be registered nor a job sent: spare every message its presence lookup.
      if (providers.kinds.length === 0) return;
      const message = sentMessageOf(sent.message, sent.memberIds);
      if (message) trigger.onSent(message);
    },
    start: () => worker.start(),
    async close() {
      await worker.drain();
      await providers.close();
    },
  };
}
