/** A process as /proc shows it. */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** The kernel's short command name (/proc/PID/comm, at most 15 characters). */
  readonly comm: string;
  /** The command line, argument by argument (empty for kernel threads and zombies). */
  readonly args: readonly string[];
  readonly state: string;
  /** Real user id and its name from /etc/passwd (the uid as text when it has no entry). */
  readonly uid: number;
  readonly user: string;
  readonly euid: number;
  readonly gid: number;
  readonly group: string;
}

/** Which processes to select: every given field must match. */
export interface ProcessFilter {
  /** Matches comm, argv[0] or its basename exactly (a string), or comm/the whole command line (a RegExp). */
  readonly command?: string | RegExp;
  /** User name or uid (real uid). */
  readonly user?: string | number;
  readonly pid?: number;
}

export function parseProcStatus(
  text: string,
): { name: string; state: string; ppid: number; uid: number; euid: number; gid: number } | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const uids = (fields.get('Uid') ?? '').split(/\s+/).map(Number);
  const gids = (fields.get('Gid') ?? '').split(/\s+/).map(Number);
  if (!fields.has('Name') || uids.length < 2 || Number.isNaN(uids[0])) return undefined;
  return {
    name: fields.get('Name') ?? '',
    state: (fields.get('State') ?? '').split(' ')[0] ?? '',
    ppid: Number(fields.get('PPid') ?? 0),
    uid: uids[0] ?? -1,
    euid: uids[1] ?? -1,
    gid: gids[0] ?? -1,
  };
}

export function parseCmdline(raw: string): string[] {
  const args = raw.split('\u0000');
  if (args.at(-1) === '') args.pop();
  return args;
}

export function matchesFilter(process: ProcessInfo, filter: ProcessFilter): boolean {
  if (filter.pid !== undefined && process.pid !== filter.pid) return false;
  if (filter.user !== undefined) {
    if (typeof filter.user === 'number' ? process.uid !== filter.user : process.user !== filter.user) return false;
  }
  const command = filter.command;
  if (command !== undefined) {
    const argv0 = process.args[0] ?? '';
    if (typeof command === 'string') {
      if (![process.comm, argv0, argv0.split('/').at(-1)].includes(command)) return false;
    } else if (!command.test(process.comm) && !command.test(process.args.join(' '))) {
      return false;
    }
  }
  return true;
}

export function describeFilter(filter: ProcessFilter): string {
  const parts: string[] = [];
  if (filter.command !== undefined) parts.push(`command ${String(filter.command)}`);
  if (filter.user !== undefined) parts.push(`user ${filter.user}`);
  if (filter.pid !== undefined) parts.push(`pid ${filter.pid}`);
  return parts.length ? parts.join(', ') : 'any';
}
