import * as grpc from "@grpc/grpc-js";
import { type DescMessage, type DescService, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";

/** A method of a generic grpc-js client: its signature is only known from the schema at run time. */
type GrpcMethod = (...args: unknown[]) => unknown;

/**
 * A @grpc/grpc-js client for a service of the generated schema: grpc-js does the transport, protobuf-es
 * (gen/) the messages, so a bot speaks the same types as every other client without loading .proto
 * files at run time.
 */
export function grpcClient(service: DescService, address: string): grpc.Client & Record<string, GrpcMethod> {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: serializer(method.input),
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output),
      responseDeserialize: deserializer(method.output),
    };
  }
  const Client = grpc.makeGenericClientConstructor(definition, service.name);
  return new Client(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, GrpcMethod>;
}

const serializer = (desc: DescMessage) => (message: unknown) => Buffer.from(toBinary(desc, message as MessageShape<DescMessage>));
const deserializer = (desc: DescMessage) => (bytes: Buffer): unknown => fromBinary(desc, bytes);

/** Calls a unary method and resolves its response. */
export function unary<Res>(client: grpc.Client & Record<string, GrpcMethod>, method: string, request: unknown, metadata = new grpc.Metadata()): Promise<Res> {
  return new Promise((resolve, reject) => {
    const call = client[method];
    if (!call) throw new Error(`no method ${method}`);
    call.call(client, request, metadata, (err: grpc.ServiceError | null, res: Res) => (err ? reject(err) : resolve(res)));
  });
}
