/**
 * The Content-Security-Policy of the renderer: scripts, styles and images only from the app itself,
 * no inline code, no eval, no frames, no plugins, and network calls only to the chat server. A
 * message text that somehow reached the DOM as markup could still run nothing and reach nowhere.
 */
export function contentSecurityPolicy(serverUrl: string): string {
  const server = new URL(serverUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${server}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join("; ");
}
