import { parseGroup, parsePasswd } from './etc-files.ts';
import type { ProbeContext } from './probe-context.ts';
import { ProbeError } from './probe-error.ts';
import {
  describeFilter,
  matchesFilter,
  type ProcessFilter,
  type ProcessInfo,
  parseCmdline,
  parseProcStatus,
} from './process-info.ts';
import { splitTailOutput } from './tail-output.ts';

/** Lists the host's processes from /proc (no ps needed): two commands, `ls /proc` and one `tail` of every status. */
export async function listProcesses(context: ProbeContext): Promise<ProcessInfo[]> {
  const listing = await context.read(['ls', '-1', '/proc']);
  if (listing.exitCode !== 0) {
    throw new ProbeError({
      host: context.uri,
      probe: 'processes',
      found: `cannot list /proc: ${listing.stderr.trim()}`,
    });
  }
  const pids = listing.stdout.split('\n').filter((name) => /^\d+$/.test(name));
  const [passwd, group] = [context.path('/etc/passwd'), context.path('/etc/group')];
  const files = [passwd, group, ...pids.flatMap((pid) => [`/proc/${pid}/status`, `/proc/${pid}/cmdline`])];
  // Processes may end between the two commands: tail then skips their files, and so do we.
  const contents = splitTailOutput((await context.read(['tail', '-n', '+1', '--', ...files])).stdout, files);
  const users = new Map(parsePasswd(contents.get(passwd) ?? '').map((entry) => [entry.uid, entry.name]));
  const groups = new Map(parseGroup(contents.get(group) ?? '').map((entry) => [entry.gid, entry.name]));
  const processes: ProcessInfo[] = [];
  for (const pid of pids) {
    const status = parseProcStatus(contents.get(`/proc/${pid}/status`) ?? '');
    if (!status) continue;
    processes.push({
      pid: Number(pid),
      ppid: status.ppid,
      comm: status.name,
      args: parseCmdline(contents.get(`/proc/${pid}/cmdline`) ?? ''),
      state: status.state,
      uid: status.uid,
      user: users.get(status.uid) ?? String(status.uid),
      euid: status.euid,
      gid: status.gid,
      group: groups.get(status.gid) ?? String(status.gid),
    });
  }
  return processes;
}

export async function findProcesses(context: ProbeContext, filter: ProcessFilter = {}): Promise<ProcessInfo[]> {
  return (await listProcesses(context)).filter((process) => matchesFilter(process, filter));
}

/** Exactly one process matching the filter; ProbeError (listing what does run) otherwise. */
export async function findProcess(context: ProbeContext, filter: ProcessFilter): Promise<ProcessInfo> {
  const all = await listProcesses(context);
  const matching = all.filter((process) => matchesFilter(process, filter));
  if (matching.length === 1 && matching[0]) return matching[0];
  const running = all.map((p) => `${p.pid} ${p.user} ${p.args.join(' ') || `[${p.comm}]`}`).join('\n    ');
  throw new ProbeError({
    host: context.uri,
    probe: `process (${describeFilter(filter)})`,
    found: `${matching.length === 0 ? 'no process matches' : `${matching.length} processes match, expected one`}; running:\n    ${running}`,
    hint: matching.length
      ? 'narrow the filter (user, pid) or use processes() for all matches'
      : 'has it started yet, or does it run under another name?',
  });
}
