import { type DescFile, type DescMessage, type DescService, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import { ServerReflection as ReflectionV1, type ServerReflectionRequest, type ServerReflectionResponseSchema } from "@chat/gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ReflectionV1alpha } from "@chat/gen/grpc/reflection/v1alpha/reflection_pb.js";

/** The two reflection services this registers (grpcurl and buf curl try v1, older tools v1alpha). */
export const reflectionServices: readonly DescService[] = [ReflectionV1, ReflectionV1alpha];

/**
 * gRPC server reflection (grpc.reflection.v1 and the deprecated v1alpha, which grpcurl still tries
 * first on older versions): lets grpcurl, buf curl, Postman and grpc-ui list and call the services
 * without the .proto files. Answers from the descriptors the generated code embeds, so it describes
 * exactly what the server was built with. https://github.com/grpc/grpc/blob/master/doc/server-reflection.md
 *
 * `services` are the services to list (the chat API, health, reflection itself).
 */
export function registerReflectionService(router: ConnectRouter, services: readonly DescService[]): void {
  const index = new DescriptorIndex([...services, ...reflectionServices]);
  const info = async function* (requests: AsyncIterable<ServerReflectionRequest>) {
    for await (const req of requests) yield index.answer(req);
  };
  // The two versions' messages have the same fields under different package names.
  router.service(ReflectionV1, { serverReflectionInfo: info });
  router.service(ReflectionV1alpha, { serverReflectionInfo: info as never });
}

type Response = MessageInitShape<typeof ServerReflectionResponseSchema>;

/** Files by name and by every symbol they declare, built once from the services' files and their imports. */
class DescriptorIndex {
  private readonly serviceNames: string[];
  private readonly files = new Map<string, DescFile>();
  private readonly symbols = new Map<string, DescFile>();

  constructor(services: readonly DescService[]) {
    this.serviceNames = [...new Set(services.map((s) => s.typeName))];
    for (const service of services) this.addFile(service.file);
  }

  /** The answer to one request of the stream; a failed lookup is an error_response, not the end of the stream. */
  answer(req: ServerReflectionRequest): Response {
    const r = req.messageRequest;
    const base = { validHost: req.host, originalRequest: req };
    const error = (code: Code, message: string): Response => ({ ...base, messageResponse: { case: "errorResponse", value: { errorCode: code, errorMessage: message } } });
    const files = (file: DescFile | undefined, what: string): Response => file
      ? { ...base, messageResponse: { case: "fileDescriptorResponse", value: { fileDescriptorProto: this.withImports(file) } } }
      : error(Code.NotFound, `${what} not found`);
    switch (r.case) {
      case "listServices":
        return { ...base, messageResponse: { case: "listServicesResponse", value: { service: this.serviceNames.map((name) => ({ name })) } } };
      case "fileByFilename":
        return files(this.files.get(r.value), `file "${r.value}"`);
      case "fileContainingSymbol":
        return files(this.fileOf(r.value), `symbol "${r.value}"`);
      case "fileContainingExtension":
        return error(Code.NotFound, `no extension ${r.value.extensionNumber} of "${r.value.containingType}": the API declares no extensions`);
      case "allExtensionNumbersOfType":
        return this.symbols.has(r.value)
          ? { ...base, messageResponse: { case: "allExtensionNumbersResponse", value: { baseTypeName: r.value, extensionNumber: [] } } }
          : error(Code.NotFound, `type "${r.value}" not found`);
      default:
        return error(Code.InvalidArgument, "empty request: set one of list_services, file_by_filename, file_containing_symbol, file_containing_extension, all_extension_numbers_of_type");
    }
  }

  /** The file declaring a symbol; a field or method name ("pkg.Type.field") resolves to its parent's file. */
  private fileOf(symbol: string): DescFile | undefined {
    const name = symbol.replace(/^\./, "");
    return this.symbols.get(name) ?? this.symbols.get(name.slice(0, Math.max(0, name.lastIndexOf("."))));
  }

  /** A file and everything it imports, each once, encoded; the file itself first, as clients expect. */
  private withImports(file: DescFile): Uint8Array[] {
    const seen = new Set<DescFile>();
    const visit = (f: DescFile) => {
      if (seen.has(f)) return;
      seen.add(f);
      f.dependencies.forEach(visit);
    };
    visit(file);
    return [...seen].map((f) => toBinary(FileDescriptorProtoSchema, f.proto));
  }

  private addFile(file: DescFile): void {
    if (this.files.has(`${file.name}.proto`)) return;
    this.files.set(`${file.name}.proto`, file);
    const add = (typeName: string) => this.symbols.set(typeName, file);
    const addMessage = (m: DescMessage): void => {
      add(m.typeName);
      m.nestedMessages.forEach(addMessage);
      m.nestedEnums.forEach((e) => add(e.typeName));
      m.nestedExtensions.forEach((x) => add(x.typeName));
    };
    file.messages.forEach(addMessage);
    file.enums.forEach((e) => add(e.typeName));
    file.extensions.forEach((x) => add(x.typeName));
    for (const service of file.services) {
      add(service.typeName);
      for (const method of service.methods) add(`${service.typeName}.${method.name}`);
    }
    file.dependencies.forEach((dep) => this.addFile(dep));
  }
}
