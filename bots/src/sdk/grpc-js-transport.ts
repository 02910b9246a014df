import * as grpc from "@grpc/grpc-js";
import { create, type DescMessage, type DescMethod, fromBinary, type MessageInitShape, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";

/** Options of {@link grpcJsTransport}. */
export interface GrpcJsTransportOptions {
  /** "host:port" of the chat server. */
  address: string;
  /** The bot's API token, sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /** Credentials; plaintext by default (the server's own port). Use `grpc.credentials.createSsl()` over TLS. */
  credentials?: grpc.ChannelCredentials;
}

/** A Connect transport that can also be closed (it owns a grpc-js channel). */
export type ClosableTransport = Transport & { close(): void };

/**
 * A Connect `Transport` whose calls go through @grpc/grpc-js: the bot speaks stock gRPC over the
 * library every Node gRPC service uses, while the shared client library (`@chat/client`: typed clients,
 * LiveSession with its reconnect and resume) runs on top unchanged. Deadlines (`timeoutMs`) become
 * gRPC deadlines and an aborted signal cancels the call; gRPC status codes are Connect codes.
 */
export function grpcJsTransport(options: GrpcJsTransportOptions): ClosableTransport {
  const client = new grpc.Client(options.address, options.credentials ?? grpc.credentials.createInsecure());
  const metadataOf = (header: ConstructorParameters<typeof Headers>[0]) => {
    const md = new grpc.Metadata();
    new Headers(header).forEach((value, key) => md.set(key, value));
    if (options.token) md.set("authorization", `Bearer ${options.token}`);
    return md;
  };
  const callOptions = (timeoutMs: number | undefined): grpc.CallOptions => (timeoutMs ? { deadline: Date.now() + timeoutMs } : {});

  return {
    close: () => client.close(),
    async unary(method, signal, timeoutMs, header, input) {
      const headers = new Headers();
      const message = await new Promise<unknown>((resolve, reject) => {
        const call = client.makeUnaryRequest(path(method), serialize(method.input), deserialize(method.output),
          create(method.input, input), metadataOf(header), callOptions(timeoutMs),
          (err, res) => (err ? reject(toConnectError(err)) : resolve(res)));
        call.on("metadata", (md) => copy(md, headers));
        cancelOn(signal, () => call.cancel());
      });
      return { stream: false, service: method.parent, method, header: headers, trailer: new Headers(), message: message as never };
    },
    async stream(method, signal, timeoutMs, header, input) {
      const headers = new Headers();
      const md = metadataOf(header);
      let call: grpc.ClientReadableStream<unknown>;
      if (method.methodKind === "server_streaming") {
        let first: MessageInitShape<DescMessage> | undefined;
        for await (const m of input) {
          first = m;
          break;
        }
        call = client.makeServerStreamRequest(path(method), serialize(method.input), deserialize(method.output), create(method.input as DescMessage, first ?? {}), md, callOptions(timeoutMs));
      } else {
        const duplex = client.makeBidiStreamRequest(path(method), serialize(method.input), deserialize(method.output), md, callOptions(timeoutMs));
        void pump(input, duplex, method.input);
        call = duplex;
      }
      call.on("metadata", (m) => copy(m, headers));
      cancelOn(signal, () => call.cancel());
      return { stream: true, service: method.parent, method, header: headers, trailer: new Headers(), message: readAll(call) as AsyncIterable<MessageShape<typeof method.output>> };
    },
  } as ClosableTransport;
}

/** Writes the request messages to a bidirectional call, then half-closes it. */
async function pump(input: AsyncIterable<MessageInitShape<DescMessage>>, call: grpc.ClientDuplexStream<unknown, unknown>, desc: DescMessage): Promise<void> {
  try {
    for await (const m of input) {
      if (call.destroyed) return;
      call.write(create(desc, m));
    }
    call.end();
  } catch (err) {
    // The application's request iterable failed: end the call with the reason rather than hang.
    console.error(`grpc-js transport: the request stream failed (${err instanceof Error ? err.message : String(err)}); cancelling the call`);
    call.cancel();
  }
}

/** The responses of a call until it ends; throws the call's status when it is not OK. */
async function* readAll(call: grpc.ClientReadableStream<unknown>): AsyncGenerator<unknown> {
  const queue: unknown[] = [];
  let done = false;
  let failure: ConnectError | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  call.on("data", (m) => {
    queue.push(m);
    notify();
  });
  call.on("error", (err: grpc.ServiceError) => {
    failure = toConnectError(err);
    notify();
  });
  call.on("end", () => {
    done = true;
    notify();
  });
  try {
    for (;;) {
      if (queue.length > 0) {
        yield queue.shift();
        continue;
      }
      if (failure) throw failure;
      if (done) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    if (!done && !failure) call.cancel(); // the reader stopped early
  }
}

const path = (method: DescMethod) => `/${method.parent.typeName}/${method.name}`;
const serialize = (desc: DescMessage) => (message: unknown) => Buffer.from(toBinary(desc, message as MessageShape<DescMessage>));
const deserialize = (desc: DescMessage) => (bytes: Buffer): unknown => fromBinary(desc, bytes);

/** gRPC's status codes are Connect's codes, number for number. */
function toConnectError(err: grpc.ServiceError): ConnectError {
  const code = err.code === grpc.status.OK ? Code.Unknown : (err.code as number as Code);
  return new ConnectError(err.details || err.message, code);
}

function copy(md: grpc.Metadata, headers: Headers): void {
  for (const [key, value] of Object.entries(md.getMap())) headers.set(key, String(value));
}

function cancelOn(signal: AbortSignal | undefined, cancel: () => void): void {
  if (signal?.aborted) cancel();
  else signal?.addEventListener("abort", cancel, { once: true });
}
