import { Code, ConnectError } from "@connectrpc/connect";
import { AuthService } from "@chat/gen/chat/v1/user_pb.js";
import type { Throttle } from "../core/limits/throttle.ts";
import { answerError } from "../transport/error-response.ts";
import type { Handler } from "../transport/http-server.ts";
import { markAddressChecked } from "../transport/raw-request.ts";

/**
 * The per-address limits of the unauthenticated calls that hash a password (Login, Register),
 * applied before the router: a flood of them from one address is refused for the price of a bucket
 * lookup and a trailers-only answer, where connect-es would first build each call (context, abort
 * signals, body iterables, interceptors: ~1 ms of the event loop each, which every other user waited
 * behind). Admitted calls are marked so that the core does not count them twice; the account's
 * lockout is still checked there, after decoding, since the username is in the body.
 */
export function passwordGate(throttle: Throttle, hooks: PasswordGateHooks): (next: Handler) => Handler {
  const { login, register } = AuthService.method;
  const checks = new Map<string, [string, (ip: string) => Promise<void>]>([
    [`/${AuthService.typeName}/${login.name}`, [login.name, (ip) => throttle.admitLoginFrom(ip)]],
    [`/${AuthService.typeName}/${register.name}`, [register.name, (ip) => throttle.admitRegistrationFrom(ip)]],
  ]);
  return (next) => (req, res) => {
    const gated = checks.get((req.url ?? "").split("?")[0]!);
    if (!gated) return next(req, res);
    const [method, check] = gated;
    check(req.socket?.remoteAddress ?? "unknown").then(() => {
      markAddressChecked(req);
      next(req, res);
    }, (err: unknown) => {
      const error = ConnectError.from(err);
      // A refusal is the gate working; anything else (the limiter's Redis unreachable) is the operator's.
      if (error.code !== Code.ResourceExhausted) hooks.onError(err);
      // No RPC content type: the router answers what is wrong (and the core would refuse it again).
      if (!answerError(req, res, error)) return next(req, res);
      hooks.onRefused(method, error.code);
    });
  };
}

/** What the password gate tells the node. */
export interface PasswordGateHooks {
  /** A check failed for another reason than a limit (the limiter's Redis unreachable). */
  onError(err: unknown): void;
  /** A call was answered here, never reaching the router (and its metrics interceptor). */
  onRefused(method: string, code: Code): void;
}
