// The bot SDK: a bot on @grpc/grpc-js and the generated types, standing on the shared client library.
export { Bot, type BotOptions, type CommandContext, type MessageContext } from "./bot.ts";
export { type CursorStore, fileCursorStore, memoryCursorStore } from "./cursor-store.ts";
export { type ClosableTransport, grpcJsTransport, type GrpcJsTransportOptions } from "./grpc-js-transport.ts";
