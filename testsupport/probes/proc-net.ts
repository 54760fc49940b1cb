/** One socket from /proc/net/{tcp,tcp6,udp,udp6} or /proc/net/unix. */
export interface SocketEntry {
  readonly protocol: 'tcp' | 'udp' | 'unix';
  /** 4 or 6 for inet sockets; undefined for unix sockets. */
  readonly family: 4 | 6 | undefined;
  /** Dotted IPv4, or compressed IPv6 (`::`, `::1`, `::ffff:127.0.0.1`); the path for unix sockets. */
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** LISTEN, ESTABLISHED, ... for TCP; UDP sockets that are bound and unconnected report CLOSE (07). */
  readonly state: string;
  readonly listening: boolean;
  readonly uid: number | undefined;
  readonly inode: number;
}

const tcpStates: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
  '0C': 'NEW_SYN_RECV',
};

/**
 * Parses one of /proc/net/tcp, tcp6, udp, udp6. Addresses there are hex words in the kernel's byte order,
 * which on the little-endian machines Kubernetes runs on (x86-64, arm64) is little-endian per 32-bit word.
 */
export function parseProcNetInet(text: string, protocol: 'tcp' | 'udp', family: 4 | 6): SocketEntry[] {
  const entries: SocketEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [local, remote, state] = [fields[1] ?? '', fields[2] ?? '', (fields[3] ?? '').toUpperCase()];
    const [localHex, localPortHex] = local.split(':');
    const [remoteHex, remotePortHex] = remote.split(':');
    if (!localHex || !localPortHex || !remoteHex || !remotePortHex) continue;
    const stateName = tcpStates[state] ?? state;
    entries.push({
      protocol,
      family,
      localAddress: decodeAddress(localHex),
      localPort: Number.parseInt(localPortHex, 16),
      remoteAddress: decodeAddress(remoteHex),
      remotePort: Number.parseInt(remotePortHex, 16),
      state: stateName,
      // A UDP socket has no LISTEN state: bound and unconnected (CLOSE, no remote port) is what receives.
      listening: protocol === 'tcp' ? stateName === 'LISTEN' : stateName === 'CLOSE' && remotePortHex === '0000',
      uid: Number(fields[7]),
      inode: Number(fields[9]),
    });
  }
  return entries;
}

/** Parses /proc/net/unix; a stream socket with the __SO_ACCEPTCON flag (0x10000) is listening. */
export function parseProcNetUnix(text: string): SocketEntry[] {
  const entries: SocketEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 7) continue;
    const flags = Number.parseInt(fields[3] ?? '0', 16);
    entries.push({
      protocol: 'unix',
      family: undefined,
      localAddress: fields[7] ?? '',
      localPort: 0,
      remoteAddress: '',
      remotePort: 0,
      state: fields[5] === '01' ? 'UNCONNECTED' : fields[5] === '03' ? 'CONNECTED' : (fields[5] ?? ''),
      listening: (flags & 0x10000) !== 0,
      uid: undefined,
      inode: Number(fields[6]),
    });
  }
  return entries;
}

export function decodeAddress(hex: string): string {
  if (hex.length === 8) return wordBytes(hex).join('.');
  if (hex.length !== 32) throw new Error(`"${hex}" is not a /proc/net address`);
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) bytes.push(...wordBytes(hex.slice(word * 8, word * 8 + 8)));
  return formatIpv6(bytes);
}

function wordBytes(word: string): number[] {
  // "0100007F" is 127.0.0.1: the bytes of each 32-bit word come least significant first.
  const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(word.slice(i, i + 2), 16));
  return bytes.reverse();
}

function formatIpv6(bytes: number[]): string {
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952: compress the longest run (of at least two) of zero groups.
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
