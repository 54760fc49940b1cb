import type { ProbeContext } from './probe-context.ts';
import { ProbeError } from './probe-error.ts';

const statFormat = '%F|%a|%u|%g|%U|%G|%s';

/**
 * What `stat` found at a path at one moment. Properties other than isSymlink describe what the path resolves
 * to (like `test -f` and `test -d`); a dangling symlink does not exist. contents() and sha256() read it anew.
 */
export class FileState {
  readonly host: string;
  readonly path: string;
  readonly exists: boolean;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly isSymlink: boolean;
  /** Where the symlink points, as stored in it. */
  readonly linkTarget: string | undefined;
  /** Permission bits, e.g. 0o644 (compare with `file.mode === 0o644`, print with modeString). */
  readonly mode: number | undefined;
  readonly user: string | undefined;
  readonly group: string | undefined;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly size: number | undefined;
  /** What stat said when the path does not exist ("No such file or directory"). */
  readonly reason: string | undefined;
  readonly #context: ProbeContext;

  /** @internal the testware creates these; tests only receive them */
  constructor(context: ProbeContext, path: string, fields: Partial<FileState> & { exists: boolean }) {
    this.#context = context;
    this.host = context.uri;
    this.path = path;
    this.exists = fields.exists;
    this.isFile = fields.isFile ?? false;
    this.isDirectory = fields.isDirectory ?? false;
    this.isSymlink = fields.isSymlink ?? false;
    this.linkTarget = fields.linkTarget;
    this.mode = fields.mode;
    this.user = fields.user;
    this.group = fields.group;
    this.uid = fields.uid;
    this.gid = fields.gid;
    this.size = fields.size;
    this.reason = fields.reason;
  }

  get modeString(): string | undefined {
    return this.mode === undefined ? undefined : this.mode.toString(8).padStart(4, '0');
  }

  /** The content as UTF-8 text. Throws ProbeError when the file cannot be read. */
  async contents(): Promise<string> {
    this.#requireFile('contents');
    const result = await this.#context.run(['cat', '--', this.#context.path(this.path)]);
    if (result.exitCode !== 0) this.#readFailed('contents', result.stderr);
    return result.stdout;
  }

  /** The SHA-256 of the content, as lowercase hex (sha256sum on the host, so binary files hash right). */
  async sha256(): Promise<string> {
    this.#requireFile('sha256');
    const result = await this.#context.read(['sha256sum', '--', this.#context.path(this.path)]);
    const digest = /^([0-9a-f]{64})\b/.exec(result.stdout)?.[1];
    if (result.exitCode !== 0 || !digest) this.#readFailed('sha256', result.stderr || result.stdout);
    return digest;
  }

  describe(): string {
    if (!this.exists)
      return `${this.isSymlink ? `a dangling symlink to ${this.linkTarget}` : 'nothing'} (${this.reason ?? 'absent'})`;
    const kind = this.isDirectory ? 'a directory' : this.isFile ? 'a regular file' : 'a special file';
    const link = this.isSymlink ? `a symlink to ${this.linkTarget}, which is ` : '';
    return `${link}${kind}, mode ${this.modeString}, owner ${this.user}:${this.group}, ${this.size} bytes`;
  }

  #requireFile(what: string): void {
    if (this.exists && this.isFile) return;
    throw new ProbeError({
      host: this.host,
      probe: `file ${this.path} (${what})`,
      found: this.exists ? `it is not a regular file but ${this.describe()}` : `it does not exist: ${this.describe()}`,
      hint: 'check the path; probe it again with host.file() if it is created later',
    });
  }

  #readFailed(what: string, stderr: string): never {
    throw new ProbeError({
      host: this.host,
      probe: `file ${this.path} (${what})`,
      found: `cannot read it: ${stderr.trim()}`,
    });
  }
}

export async function probeFile(context: ProbeContext, path: string): Promise<FileState> {
  const seen = context.path(path);
  const lstat = await context.read(['stat', '-c', statFormat, '--', seen]);
  if (lstat.exitCode !== 0) return missing(context, path, lstat.stderr, false, undefined);
  let fields = parseStat(context, path, lstat.stdout);
  if (fields.kind !== 'symbolic link') return new FileState(context, path, fromStat(fields, false, undefined));
  const target = (await context.read(['readlink', '--', seen])).stdout.trim();
  // Under a root prefix an absolute link target would resolve in the prober's own file system: follow it
  // under the prefix instead (one level; links further down still resolve there).
  const follow = seen !== path && target.startsWith('/') ? context.path(target) : seen;
  const followed = await context.read(['stat', '-L', '-c', statFormat, '--', follow]);
  if (followed.exitCode !== 0) return missing(context, path, followed.stderr, true, target);
  fields = parseStat(context, path, followed.stdout);
  return new FileState(context, path, fromStat(fields, true, target));
}

interface StatFields {
  kind: string;
  mode: number;
  uid: number;
  gid: number;
  user: string;
  group: string;
  size: number;
}

function parseStat(context: ProbeContext, path: string, stdout: string): StatFields {
  const fields = stdout.trim().split('|');
  if (fields.length !== 7) {
    throw new ProbeError({
      host: context.uri,
      probe: `file ${path}`,
      found: `stat printed ${JSON.stringify(stdout.slice(0, 200))}, not the requested format`,
      hint: 'the host needs a stat that understands -c (GNU coreutils or busybox)',
    });
  }
  const [kind, mode, uid, gid, user, group, size] = fields as [string, string, string, string, string, string, string];
  return {
    kind,
    mode: Number.parseInt(mode, 8),
    uid: Number(uid),
    gid: Number(gid),
    user: user === 'UNKNOWN' ? uid : user,
    group: group === 'UNKNOWN' ? gid : group,
    size: Number(size),
  };
}

function fromStat(fields: StatFields, isSymlink: boolean, linkTarget: string | undefined) {
  return {
    exists: true,
    isFile: fields.kind.startsWith('regular'),
    isDirectory: fields.kind === 'directory',
    isSymlink,
    linkTarget,
    mode: fields.mode,
    uid: fields.uid,
    gid: fields.gid,
    user: fields.user,
    group: fields.group,
    size: fields.size,
  };
}

function missing(
  context: ProbeContext,
  path: string,
  stderr: string,
  isSymlink: boolean,
  linkTarget: string | undefined,
): FileState {
  if (!/no such file or directory|not a directory/i.test(stderr)) {
    throw new ProbeError({
      host: context.uri,
      probe: `file ${path}`,
      found: `stat failed: ${stderr.trim() || '(no message)'}`,
      hint: 'a permission problem? The probe runs as the container (or SSH) user',
    });
  }
  const reason = /not a directory/i.test(stderr) ? 'Not a directory' : 'No such file or directory';
  return new FileState(context, path, { exists: false, isSymlink, linkTarget, reason });
}
