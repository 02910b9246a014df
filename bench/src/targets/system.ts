import type { Protocol } from "../load/protocol.ts";
import type { Account } from "../setup/accounts.ts";

/** The system under test, as the scenarios see it: the chat server or the Socket.IO peer. */
export interface SystemUnderTest {
  /** Row name in tables and results: "chat", "chat-tmpfs", "socketio". */
  readonly name: string;
  /** What the system does with a message before it ACKs it, printed beside every figure. */
  readonly persistence: string;
  /** Which device the load agents build for it. */
  readonly protocol: Protocol;
  /** Base URL of each node. */
  readonly urls: string[];
  /** The users the scenario may use, with their tokens. */
  readonly accounts: Account[];
  /** Pids of the server processes the bench started (none when it was given `--url`). */
  pids(): number[];
  /** The local TCP port of each node the bench started, for connection counts. */
  ports(): number[];
  /** The direct conversation of two users; its id. */
  createDirect(a: Account, b: Account): Promise<string>;
  /** A group owned by `owner` with the other members; its id. */
  createGroup(name: string, owner: Account, members: readonly Account[]): Promise<string>;
  /** Sends one message through the unary API (for backlogs written while devices are away). */
  sendUnary(from: Account, conversationId: string, clientMessageId: string, text: string): Promise<void>;
  /** Stops every node and starts it again on the same port and data (a node restart). */
  restart(): Promise<void>;
  /** Stops everything the bench started for this system. */
  stop(): Promise<void>;
}
