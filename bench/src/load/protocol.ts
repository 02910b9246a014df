import type { DeviceAccount, DeviceCursor } from "../devices/device.ts";

/** Which kind of device an agent builds: the chat server's gRPC stream, or the Socket.IO peer's. */
export type Protocol = "chat" | "socketio";

/** The client stack of chat devices: plain node:http2 (cheap) or connect-node's gRPC transport. */
export type ChatClient = "h2" | "connect";

/** One device an agent is to run. */
export interface DevicePlan {
  /** Where it connects (the node it is placed on). */
  url: string;
  account: DeviceAccount;
  /** Conversations it sends to when it is a sender, in turn; empty for a device that only receives. */
  sendTo: string[];
  /** When set, the device resumes from these cursors right after Ready, as a real client does. */
  cursors?: DeviceCursor[];
  /** Marks every message it receives from others delivered and read, as the clients do (chat devices). */
  receipts?: boolean;
}

/** Counters and encoded histograms of one traffic step on one agent. */
export interface TrafficReport {
  /** Sends fired (scheduled inside the measured window). */
  sent: number;
  /** ACKs received for those sends. */
  acked: number;
  /** Deliveries of those sends to devices of other members. */
  delivered: number;
  /** ACKs received while the measured window was open, whatever their send time (for a rate). */
  acksInWindow: number;
  /** Deliveries received while the measured window was open (for a rate). */
  deliveriesInWindow: number;
  /** Encoded HdrHistograms (µs): send→ACK, send→receive, and how late the generator fired. */
  ackLatency: string;
  receiveLatency: string;
  generatorLag: string;
  frameErrors: number;
  streamErrors: number;
  /** The first few error messages, for the report. */
  errorSamples: string[];
}

/** What the coordinator asks an agent to do. Every command but `exit` is answered once. */
export type AgentCommand =
  | { type: "connect"; id: number; protocol: Protocol; client: ChatClient; devices: DevicePlan[]; rate: number; startUs: number }
  | { type: "resume"; id: number; cursors: DeviceCursor[][]; startUs: number }
  | { type: "traffic"; id: number; rate: number; startUs: number; measureFromUs: number; endUs: number; drainMs: number; textBytes: number }
  | { type: "stats"; id: number }
  | { type: "disconnect"; id: number }
  | { type: "exit" };

/** Result of `connect`: connect latency from the scheduled time, Ready included. */
export interface ConnectReport {
  connected: number;
  failed: number;
  latency: string;
  errorSamples: string[];
  /** When the last device was connected (µs, monotonic). */
  doneUs: number;
}

/** Result of `resume`: time from `startUs` until each device had its ResumeComplete. */
export interface ResumeReport {
  resumed: number;
  failed: number;
  /** Messages replayed to the devices before their ResumeComplete. */
  replayed: number;
  /** Devices that got fewer messages than their cursors said they missed. */
  short: number;
  latency: string;
  doneUs: number;
  errorSamples: string[];
}

/** Result of `stats`. */
export interface StatsReport {
  open: number;
  heartbeats: number;
  streamErrors: number;
}

/** What an agent sends back. */
export type AgentReply =
  | { type: "done"; id: number; result: unknown }
  | { type: "failed"; id: number; error: string }
  | { type: "progress"; done: number };
