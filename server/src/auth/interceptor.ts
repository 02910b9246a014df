import { type ContextValues, createContextKey, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import type { DescMethod } from "@bufbuild/protobuf";
import { AuthService } from "@chat/gen/chat/v1/user_pb.js";
import type { Accounts } from "../core/accounts/accounts.ts";
import type { Caller } from "../core/caller.ts";
import { unauthenticated } from "../core/errors.ts";
import { bearerToken } from "./token.ts";

/** Where the interceptor leaves the authenticated caller for the handlers. */
export const callerKey = createContextKey<Caller | undefined>(undefined, { description: "authenticated caller" });

/** Calls that need no token. */
const publicMethods = new Set<DescMethod>([AuthService.method.register, AuthService.method.login]);

/** Services that need no token: the standard ones load balancers and tools call (health, reflection). */
const publicServices = new Set(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);

/**
 * `onAuthenticated` hears every call whose token was valid (the transport lifts the deadlines of
 * unauthenticated connections for it).
 *
 * Checks the `authorization: Bearer <token>` header of every call but Register and Login, before the
 * handler runs (for streams: before the first frame is read), and puts the caller in the context.
 */
export function authInterceptor(accounts: Accounts, onAuthenticated: (values: ContextValues) => void = () => {}): Interceptor {
  return (next) => async (req) => {
    if (!publicMethods.has(req.method) && !publicServices.has(req.service.typeName)) {
      const token = bearerToken(req.header.get("authorization"));
      if (!token) throw unauthenticated("missing \"authorization: Bearer <token>\" header; log in first");
      req.contextValues.set(callerKey, await accounts.authenticate(token));
      onAuthenticated(req.contextValues);
    }
    return next(req);
  };
}

/** The caller set by {@link authInterceptor}. */
export function callerOf(ctx: HandlerContext): Caller {
  const caller = ctx.values.get(callerKey);
  if (!caller) throw unauthenticated("not authenticated");
  return caller;
}

