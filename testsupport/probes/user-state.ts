import { type GroupEntry, type PasswdEntry, parseGroup, parsePasswd } from './etc-files.ts';
import type { ProbeContext } from './probe-context.ts';
import { ProbeError } from './probe-error.ts';
import { splitTailOutput } from './tail-output.ts';

/** A user as /etc/passwd and /etc/group define it (local files only: no NSS, LDAP or SSSD). */
export interface UserState {
  readonly host: string;
  readonly name: string;
  readonly exists: boolean;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  /** Primary group name. */
  readonly group: string | undefined;
  /** Primary group first, then every group listing the user as a member. */
  readonly groups: readonly string[];
  readonly home: string | undefined;
  readonly shell: string | undefined;
}

/** A group from /etc/group. */
export interface GroupState {
  readonly host: string;
  readonly name: string;
  readonly exists: boolean;
  readonly gid: number | undefined;
  readonly members: readonly string[];
}

async function readAccounts(
  context: ProbeContext,
  probe: string,
): Promise<{ users: PasswdEntry[]; groups: GroupEntry[] }> {
  const [passwd, group] = [context.path('/etc/passwd'), context.path('/etc/group')];
  const result = await context.read(['tail', '-n', '+1', '--', passwd, group]);
  const contents = splitTailOutput(result.stdout, [passwd, group]);
  if (!contents.has(passwd)) {
    throw new ProbeError({ host: context.uri, probe, found: `cannot read /etc/passwd: ${result.stderr.trim()}` });
  }
  return {
    users: parsePasswd(contents.get(passwd) ?? ''),
    groups: parseGroup(contents.get(group) ?? ''),
  };
}

export async function probeUser(context: ProbeContext, name: string): Promise<UserState> {
  const { users, groups } = await readAccounts(context, `user ${name}`);
  const entry = users.find((user) => user.name === name);
  if (!entry)
    return {
      host: context.uri,
      name,
      exists: false,
      uid: undefined,
      gid: undefined,
      group: undefined,
      groups: [],
      home: undefined,
      shell: undefined,
    };
  const primary = groups.find((group) => group.gid === entry.gid)?.name ?? String(entry.gid);
  const supplementary = groups
    .filter((group) => group.members.includes(name) && group.name !== primary)
    .map((g) => g.name);
  return {
    host: context.uri,
    name,
    exists: true,
    uid: entry.uid,
    gid: entry.gid,
    group: primary,
    groups: [primary, ...supplementary],
    home: entry.home,
    shell: entry.shell,
  };
}

export async function probeGroup(context: ProbeContext, name: string): Promise<GroupState> {
  const { users, groups } = await readAccounts(context, `group ${name}`);
  const entry = groups.find((group) => group.name === name);
  if (!entry) return { host: context.uri, name, exists: false, gid: undefined, members: [] };
  // Members are both those listed in /etc/group and those whose primary group it is.
  const primaryMembers = users.filter((user) => user.gid === entry.gid).map((user) => user.name);
  return {
    host: context.uri,
    name,
    exists: true,
    gid: entry.gid,
    members: [...new Set([...entry.members, ...primaryMembers])],
  };
}
