/**
 * Gathers what is sent to the same place during one event-loop turn and hands it over as one
 * batch per place once the turn's I/O callbacks have run (`setImmediate`): everything a node does
 * with one read from its sockets goes out as one payload per target node rather than one each.
 * Order is kept within a place. Holds at most one turn's items: nothing grows between turns.
 */
export class TurnBatches<T> {
  private pending = new Map<string, T[]>();
  private scheduled = false;
  private readonly send: (place: string, items: T[]) => void;

  /** @param send takes each place's batch; it must not throw (report its own failures). */
  constructor(send: (place: string, items: T[]) => void) {
    this.send = send;
  }

  /** Queues an item for `place`; it is sent at the end of this turn. */
  add(place: string, item: T): void {
    const list = this.pending.get(place);
    if (list) list.push(item);
    else this.pending.set(place, [item]);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    const batches = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    for (const [place, items] of batches) this.send(place, items);
  }
}

/**
 * A call whose invocations during one event-loop turn are answered by one run over all of them:
 * `run` gets the turn's inputs in order and resolves one output per input (or rejects them all).
 */
export function turnBatched<I, O>(run: (inputs: I[]) => Promise<O[]>): (input: I) => Promise<O> {
  type Ask = { input: I; resolve(output: O): void; reject(err: unknown): void };
  const asks = new TurnBatches<Ask>((_, batch) => {
    run(batch.map((a) => a.input)).then((outputs) => batch.forEach((a, i) => a.resolve(outputs[i]!)), (err: unknown) => {
      for (const a of batch) a.reject(err);
    });
  });
  return (input) => new Promise((resolve, reject) => asks.add("", { input, resolve, reject }));
}
