import { Code, ConnectError } from "@connectrpc/connect";

/**
 * One sentence a person can act on, for an error shown in an application (the desktop app's
 * dialogs, the terminal's status bar): the server's own words without the wire code
 * ("No user @nobody." rather than "not_found: user @nobody not found"), or for a failure of the
 * connection itself, what happened and that the client keeps trying. Scripts keep
 * `describeError`, whose code prefix they can match on.
 */
export function userMessage(err: unknown): string {
  if (!(err instanceof ConnectError)) return sentence(err instanceof Error ? err.message : String(err));
  const raw = err.rawMessage;
  switch (err.code) {
    case Code.Unavailable:
      return `Can't reach the server (${reason(raw)}).`;
    case Code.DeadlineExceeded:
      return "The server took too long to answer.";
    case Code.Internal:
    case Code.Unknown:
    case Code.DataLoss:
      return `Something went wrong on the server: ${raw}.`;
    case Code.Canceled:
      return "Cancelled.";
    default:
      return sentence(raw);
  }
}

/** "connect ECONNREFUSED 127.0.0.1:8080" → "connection refused by 127.0.0.1:8080"; other texts as they are. */
function reason(raw: string): string {
  const refused = /ECONNREFUSED\s*(\S*)/.exec(raw);
  if (refused) return `connection refused${refused[1] ? ` by ${refused[1]}` : ""}`;
  if (/ENOTFOUND|EAI_AGAIN/.test(raw)) return "unknown host";
  if (/ETIMEDOUT/.test(raw)) return "timed out";
  if (/Failed to fetch|NetworkError|fetch failed/i.test(raw)) return "network error";
  return raw || "no answer";
}

/** Capitalised, with a full stop. */
function sentence(text: string): string {
  const t = text.trim();
  if (!t) return "Something went wrong.";
  const capital = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}
