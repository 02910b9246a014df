/** A map from event name to listener signature. */
export type EventMap = { [event: string]: (...args: never[]) => void };

/**
 * A minimal typed event emitter that runs in Node and in browsers alike (node:events does not exist
 * in a renderer). A listener that throws does not stop the others nor the emitter's caller: the
 * error is rethrown on its own task, where it surfaces like any uncaught error.
 */
export class Listeners<E extends EventMap> {
  private readonly byEvent = new Map<keyof E, Set<E[keyof E]>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.byEvent.get(event);
    if (!set) this.byEvent.set(event, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  }

  /** Calls every listener of an event, in the order they were added. */
  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    for (const listener of [...(this.byEvent.get(event) ?? [])]) {
      try {
        (listener as (...a: Parameters<E[K]>) => void)(...args);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.byEvent.clear();
  }
}
