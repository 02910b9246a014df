import { nowUs } from "./clock.ts";
import { createHistogram, encodeHistogram, type LatencyHistogram, record } from "./histogram.ts";
import type { TrafficReport } from "./protocol.ts";

/** Where a device's frames go: the traffic step in progress, or nowhere between steps. */
export interface Meter {
  ack(clientMessageId: string): void;
  message(text: string, own: boolean): void;
  error(kind: "frame" | "stream", message: string): void;
}

const maxSamples = 5;

/** Counts errors between steps (a stream dropping while idle still shows up in the next report). */
export class ErrorLog {
  frameErrors = 0;
  streamErrors = 0;
  readonly samples: string[] = [];

  add(kind: "frame" | "stream", message: string): void {
    if (kind === "frame") this.frameErrors++;
    else this.streamErrors++;
    if (this.samples.length < maxSamples) this.samples.push(`${kind}: ${message}`);
  }
}

/**
 * Measures one traffic step on one agent. Every send carries its scheduled time (µs, monotonic) at
 * the start of its client_message_id and of its text, so an ACK or a delivery anywhere on the machine
 * yields its latency from the schedule, with no table of pending sends.
 */
export class TrafficMeter implements Meter {
  private readonly measureFromUs: number;
  private readonly endUs: number;
  private readonly ackLatency: LatencyHistogram = createHistogram();
  private readonly receiveLatency: LatencyHistogram = createHistogram();
  private readonly errors = new ErrorLog();
  sent = 0;
  acked = 0;
  delivered = 0;
  private acksInWindow = 0;
  private deliveriesInWindow = 0;
  /** Time of the last ACK or delivery, to tell when the system has gone quiet. */
  lastActivityUs = nowUs();

  /** Sends scheduled before `measureFromUs` are warm-up: neither counted nor timed. */
  constructor(measureFromUs: number, endUs: number) {
    this.measureFromUs = measureFromUs;
    this.endUs = endUs;
  }

  /** Counts a send fired for `scheduledUs`. */
  onSend(scheduledUs: number): void {
    if (scheduledUs >= this.measureFromUs) this.sent++;
  }

  ack(clientMessageId: string): void {
    const now = (this.lastActivityUs = nowUs());
    if (now >= this.measureFromUs && now < this.endUs) this.acksInWindow++;
    const scheduled = parseInt(clientMessageId, 10);
    if (scheduled < this.measureFromUs || scheduled >= this.endUs) return;
    this.acked++;
    record(this.ackLatency, now - scheduled);
  }

  message(text: string, own: boolean): void {
    if (own) return; // the echo to the sender's own device is not a delivery to someone else
    const now = (this.lastActivityUs = nowUs());
    if (now >= this.measureFromUs && now < this.endUs) this.deliveriesInWindow++;
    const scheduled = parseInt(text, 10);
    if (!(scheduled >= this.measureFromUs && scheduled < this.endUs)) return;
    this.delivered++;
    record(this.receiveLatency, now - scheduled);
  }

  error(kind: "frame" | "stream", message: string): void {
    this.errors.add(kind, message);
  }

  /** The step's figures, with the generator's own lag. */
  report(generatorLag: LatencyHistogram): TrafficReport {
    return {
      sent: this.sent, acked: this.acked, delivered: this.delivered,
      acksInWindow: this.acksInWindow, deliveriesInWindow: this.deliveriesInWindow,
      ackLatency: encodeHistogram(this.ackLatency), receiveLatency: encodeHistogram(this.receiveLatency),
      generatorLag: encodeHistogram(generatorLag),
      frameErrors: this.errors.frameErrors, streamErrors: this.errors.streamErrors, errorSamples: this.errors.samples,
    };
  }
}
