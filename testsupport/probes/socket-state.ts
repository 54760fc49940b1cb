import type { ProbeContext } from './probe-context.ts';
import { ProbeError } from './probe-error.ts';
import { parseProcNetInet, parseProcNetUnix, type SocketEntry } from './proc-net.ts';
import { parseSocketSpec, type SocketSpec, servesSpec } from './socket-spec.ts';
import { splitTailOutput } from './tail-output.ts';

/** What the kernel's socket tables said about one socket spec, at one moment. */
export class SocketState {
  readonly host: string;
  readonly url: string;
  readonly spec: SocketSpec;
  readonly isListening: boolean;
  /** The listening sockets that serve the spec. */
  readonly listeners: readonly SocketEntry[];
  /** Every listening socket of the protocol on the host, for messages. */
  readonly allListening: readonly SocketEntry[];

  /** @internal the testware creates these; tests only receive them */
  constructor(host: string, spec: SocketSpec, entries: readonly SocketEntry[]) {
    this.host = host;
    this.url = spec.url;
    this.spec = spec;
    this.allListening = entries.filter((entry) => entry.listening);
    this.listeners = this.allListening.filter((entry) => servesSpec(entry, spec));
    this.isListening = this.listeners.length > 0;
  }

  describe(): string {
    const shown = this.allListening.map((entry) =>
      entry.protocol === 'unix'
        ? entry.localAddress
        : `${entry.family === 6 ? `[${entry.localAddress}]` : entry.localAddress}:${entry.localPort}`,
    );
    const unique = [...new Set(shown)].sort();
    return unique.length
      ? `listening ${this.spec.protocol} sockets: ${unique.join(', ')}`
      : `no ${this.spec.protocol} socket is listening`;
  }
}

const tables = {
  tcp: [
    ['/proc/net/tcp', 4],
    ['/proc/net/tcp6', 6],
  ],
  udp: [
    ['/proc/net/udp', 4],
    ['/proc/net/udp6', 6],
  ],
} as const;

/**
 * Reads the socket tables of the host's network namespace (a pod's, over exec) straight from /proc/net with
 * `tail`, so images without ss, netstat or procps work.
 */
export async function probeSocket(context: ProbeContext, url: string): Promise<SocketState> {
  const spec = parseSocketSpec(url);
  const files = spec.protocol === 'unix' ? ['/proc/net/unix'] : tables[spec.protocol].map(([file]) => file);
  const result = await context.read(['tail', '-n', '+1', '--', ...files]);
  const contents = splitTailOutput(result.stdout, files);
  if (contents.size === 0 || [...contents.values()].every((text) => text.trim() === '')) {
    throw new ProbeError({
      host: context.uri,
      probe: `socket ${url}`,
      found: `could not read ${files.join(', ')}: ${result.stderr.trim() || `tail exited ${result.exitCode}`}`,
      hint: 'the probe reads the kernel socket tables; is /proc mounted in the container?',
    });
  }
  const entries: SocketEntry[] = [];
  if (spec.protocol === 'unix') {
    entries.push(...parseProcNetUnix(contents.get('/proc/net/unix') ?? ''));
  } else {
    for (const [file, family] of tables[spec.protocol]) {
      const text = contents.get(file);
      if (text !== undefined) entries.push(...parseProcNetInet(text, spec.protocol, family));
    }
  }
  return new SocketState(context.uri, spec, entries);
}
