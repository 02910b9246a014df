import { ChatDevice } from "../devices/chat-device.ts";
import type { Device, DeviceHandlers } from "../devices/device.ts";
import { openConnectLiveStream } from "../devices/connect-live-stream.ts";
import { openH2LiveStream } from "../devices/h2-live-stream.ts";
import { SocketIoDevice } from "../devices/socketio-device.ts";
import { nowUs, sleep, sleepUntil } from "./clock.ts";
import { createHistogram, encodeHistogram, record } from "./histogram.ts";
import { runOpenLoop } from "./open-loop.ts";
import type { AgentCommand, ChatClient, ConnectReport, DevicePlan, Protocol, ResumeReport, StatsReport, TrafficReport } from "./protocol.ts";
import { ErrorLog, type Meter, TrafficMeter } from "./traffic-meter.ts";

type Command<T extends AgentCommand["type"]> = Extract<AgentCommand, { type: T }>;

/** Builds a device of the given protocol and client stack. */
function createDevice(protocol: Protocol, client: ChatClient, plan: DevicePlan, handlers: DeviceHandlers): Device {
  if (protocol === "socketio") return new SocketIoDevice(plan.url, plan.account, handlers);
  const openStream = client === "h2" ? openH2LiveStream : openConnectLiveStream;
  return new ChatDevice(plan.url, plan.account, handlers, openStream, { receipts: plan.receipts ?? false });
}

/**
 * The devices one load agent runs, and the commands the coordinator gives it: connect them at a
 * rate, resume them, drive a traffic step, report counters. `progress` counts units done for the
 * coordinator's progress bar (devices connected, sends fired).
 */
export class Fleet {
  private readonly tag: string;
  private protocol: Protocol = "chat";
  private client: ChatClient = "h2";
  private plans: DevicePlan[] = [];
  private devices: (Device | undefined)[] = [];
  /** Messages each device has received, for resume checks. */
  private received: number[] = [];
  private meter: Meter;
  private readonly idleErrors = new ErrorLog();
  progress = 0;

  /** @param tag makes this agent's client_message_ids unique among agents. */
  constructor(tag: string) {
    this.tag = tag;
    this.meter = this.idleMeter();
  }

  /** Opens one connection per planned device at `rate` a second; latency is taken from the schedule. */
  async connect(cmd: Command<"connect">): Promise<ConnectReport> {
    this.protocol = cmd.protocol;
    this.client = cmd.client;
    this.plans = cmd.devices;
    this.devices = cmd.devices.map(() => undefined);
    this.received = cmd.devices.map(() => 0);
    return this.openAll(cmd.rate, cmd.startUs);
  }

  /**
   * Reconnects every device at once (after a restart) and resumes it from its cursors; the time of
   * each device is from `startUs` until its ResumeComplete.
   */
  async resume(cmd: Command<"resume">): Promise<ResumeReport> {
    for (const d of this.devices) d?.close();
    this.devices = this.plans.map(() => undefined);
    const latency = createHistogram();
    const errors = new ErrorLog();
    let resumed = 0, replayed = 0, short = 0, doneUs = cmd.startUs;
    this.progress = 0;
    await Promise.all(this.plans.map(async (plan, i) => {
      try {
        await sleepUntil(cmd.startUs);
        const device = this.open(plan, i);
        await device.connect();
        const before = this.received[i]!;
        const cursors = cmd.cursors[i] ?? [];
        const complete = await device.resume(cursors);
        const now = nowUs();
        record(latency, now - cmd.startUs);
        doneUs = Math.max(doneUs, now);
        const got = this.received[i]! - before;
        const missed = complete.reduce((sum, c) => sum + c.seq, 0) - cursors.reduce((sum, c) => sum + c.seq, 0);
        replayed += got;
        if (got < missed) short++;
        resumed++;
        this.progress++;
      } catch (err) {
        errors.add("stream", String((err as Error).message ?? err));
      }
    }));
    return {
      resumed, failed: this.plans.length - resumed, replayed, short, latency: encodeHistogram(latency), doneUs,
      errorSamples: errors.samples,
    };
  }

  /** Runs one open-loop traffic step over the devices that have conversations to send to. */
  async traffic(cmd: Command<"traffic">): Promise<TrafficReport> {
    const meter = new TrafficMeter(cmd.measureFromUs, cmd.endUs);
    this.meter = meter;
    this.progress = 0;
    const senders = this.plans.flatMap((p, i) => (p.sendTo.length > 0 && this.devices[i] ? [i] : []));
    const padding = "x".repeat(cmd.textBytes);
    const count = senders.length === 0 ? 0 : Math.round(((cmd.endUs - cmd.startUs) * cmd.rate) / 1e6);
    const { lag } = await runOpenLoop({
      rate: cmd.rate, startUs: cmd.startUs, count,
      fire: (scheduledUs, k) => {
        const i = senders[k % senders.length]!;
        const targets = this.plans[i]!.sendTo;
        const stamp = Math.round(scheduledUs);
        const head = `${stamp} `;
        this.devices[i]?.send(targets[Math.floor(k / senders.length) % targets.length]!, `${stamp}.${this.tag}.${k}`,
          head + padding.slice(head.length));
        meter.onSend(scheduledUs);
        this.progress++;
      },
    });
    // Drain: wait for the last ACKs and deliveries, until the system has been quiet for a moment.
    const deadline = nowUs() + cmd.drainMs * 1000;
    while (nowUs() < deadline && (meter.acked < meter.sent || nowUs() - meter.lastActivityUs < 300_000)) await sleep(50);
    this.meter = this.idleMeter();
    return meter.report(lag);
  }

  /** Open devices and the heartbeats they have sent. */
  stats(): StatsReport {
    let open = 0, heartbeats = 0;
    for (const d of this.devices) if (d) { open++; heartbeats += d.heartbeats; }
    return { open, heartbeats, streamErrors: this.idleErrors.streamErrors };
  }

  /** Closes every device. */
  disconnect(): void {
    for (const d of this.devices) d?.close();
    this.devices = this.devices.map(() => undefined);
  }

  private async openAll(rate: number, startUs: number): Promise<ConnectReport> {
    const latency = createHistogram();
    const errors = new ErrorLog();
    const pending: Promise<void>[] = [];
    let connected = 0, doneUs = startUs;
    this.progress = 0;
    await runOpenLoop({
      rate, startUs, count: this.plans.length,
      fire: (scheduledUs, i) => {
        const plan = this.plans[i]!;
        const device = this.open(plan, i);
        pending.push(device.connect().then(() => plan.cursors && device.resume(plan.cursors)).then(() => {
          const now = nowUs();
          record(latency, now - scheduledUs);
          doneUs = Math.max(doneUs, now);
          connected++;
          this.progress++;
        }, (err) => {
          this.devices[i] = undefined;
          device.close();
          errors.add("stream", String((err as Error).message ?? err));
        }));
      },
    });
    await Promise.all(pending);
    return { connected, failed: this.plans.length - connected, latency: encodeHistogram(latency), errorSamples: errors.samples, doneUs };
  }

  /** Between steps frames are not measured; errors are kept for the stats. */
  private idleMeter(): Meter {
    return { ack() {}, message() {}, error: (kind, message) => this.idleErrors.add(kind, message) };
  }

  private open(plan: DevicePlan, i: number): Device {
    const device = createDevice(this.protocol, this.client, plan, {
      ack: (id) => this.meter.ack(id),
      message: (_conversationId, _seq, text, own) => {
        this.received[i]!++;
        this.meter.message(text, own);
      },
      error: (kind, message) => this.meter.error(kind, message),
    });
    this.devices[i] = device;
    return device;
  }
}
