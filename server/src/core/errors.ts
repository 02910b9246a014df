import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Errors are values with a Connect code and a message a user can act on. These constructors keep
 * the wording in one style across the server.
 */
export const invalidArgument = (message: string) => new ConnectError(message, Code.InvalidArgument);
/** The thing does not exist, or the caller may not know it exists. */
export const notFound = (message: string) => new ConnectError(message, Code.NotFound);
/** The caller is known but may not do this. */
export const permissionDenied = (message: string) => new ConnectError(message, Code.PermissionDenied);
/** No valid credentials. */
export const unauthenticated = (message: string) => new ConnectError(message, Code.Unauthenticated);
/** A rate or size limit was hit. */
export const resourceExhausted = (message: string) => new ConnectError(message, Code.ResourceExhausted);
/**
 * A rate limit was hit: ResourceExhausted with `retry-after` (seconds, as HTTP has it) and
 * `retry-after-ms` in the error's metadata (response trailers on gRPC), which the client library waits out.
 */
export const rateLimited = (message: string, retryAfterMs: number) => new ConnectError(message, Code.ResourceExhausted, {
  "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))), "retry-after-ms": String(Math.ceil(retryAfterMs)),
});
/** The state of the thing does not allow the call. */
export const failedPrecondition = (message: string) => new ConnectError(message, Code.FailedPrecondition);
/** The thing exists already. */
export const alreadyExists = (message: string) => new ConnectError(message, Code.AlreadyExists);
/** A dependency is down; the call may succeed later. */
export const unavailable = (message: string) => new ConnectError(message, Code.Unavailable);
/** The server does not do this (yet). */
export const unimplemented = (message: string) => new ConnectError(message, Code.Unimplemented);
