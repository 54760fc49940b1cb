import { isIP } from 'node:net';
import type { SocketEntry } from './proc-net.ts';

/** A socket as testinfra names it: `tcp://22`, `tcp://0.0.0.0:3306`, `tcp://[::1]:8080`, `udp://53`, `unix:///run/x.sock`. */
export interface SocketSpec {
  readonly url: string;
  readonly protocol: 'tcp' | 'udp' | 'unix';
  /** Undefined: any address. */
  readonly address: string | undefined;
  readonly port: number;
  readonly path: string | undefined;
}

export function parseSocketSpec(url: string): SocketSpec {
  const match = /^(tcp|udp|unix):\/\/(.+)$/.exec(url);
  if (!match) throw new TypeError(`socket "${url}": use tcp://[address:]port, udp://[address:]port or unix:///path`);
  const protocol = match[1] as SocketSpec['protocol'];
  const rest = match[2] ?? '';
  if (protocol === 'unix') return { url, protocol, address: undefined, port: 0, path: rest };
  const hostPort = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d+)$/.exec(rest);
  const portOnly = /^(\d+)$/.exec(rest);
  const port = Number(hostPort ? hostPort[3] : portOnly?.[1]);
  const address = hostPort ? (hostPort[1] ?? hostPort[2]) : undefined;
  if ((!hostPort && !portOnly) || !Number.isInteger(port) || port < 1 || port > 65535 || (address && !isIP(address))) {
    throw new TypeError(
      `socket "${url}": expected ${protocol}://port, ${protocol}://1.2.3.4:port or ${protocol}://[::1]:port`,
    );
  }
  return { url, protocol, address: address === undefined ? undefined : normaliseIp(address), port, path: undefined };
}

/**
 * Whether a listening entry serves the spec: same protocol and port, and the address requested, a wildcard of
 * its family, or `::` (dual-stack sockets take IPv4 too unless IPV6_V6ONLY, which /proc does not show).
 */
export function servesSpec(entry: SocketEntry, spec: SocketSpec): boolean {
  if (!entry.listening || entry.protocol !== spec.protocol) return false;
  if (spec.protocol === 'unix') return entry.localAddress === spec.path;
  if (entry.localPort !== spec.port) return false;
  if (spec.address === undefined) return true;
  const local = entry.localAddress;
  if (local === spec.address || local === `::ffff:${spec.address}`) return true;
  if (local === '::') return true;
  return local === '0.0.0.0' && isIP(spec.address) === 4;
}

function normaliseIp(address: string): string {
  if (isIP(address) !== 6) return address;
  // Let URL parsing compress the IPv6 form so it compares equal to decodeAddress's output.
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}
