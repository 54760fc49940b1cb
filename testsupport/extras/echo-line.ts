// How the echo server writes one echoed body to stdout. Shared by the server (echo-server/server.ts, which its
// image runs) and EchoServer, which looks for those lines: so it imports nothing, and the image copies it beside
// the app at the same relative path.

/** Control characters would split one echoed body over several log lines: write them as escapes instead. */
export function toOneLine(body: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return body.replace(/[\u0000-\u001f\u007f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** The line written to stdout for one echoed body. JSON mode writes one JSON object (JSON escapes newlines itself). */
export function formatEchoLine(body: string, json: boolean, now: Date = new Date()): string {
  if (json) return JSON.stringify({ time: now.toISOString(), level: 'info', msg: body });
  return toOneLine(body);
}
