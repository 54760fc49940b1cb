import type { ProbeContext } from './probe-context.ts';
import { MissingProgramError, ProbeError } from './probe-error.ts';

export type PackageManager = 'dpkg' | 'apk' | 'rpm';

export interface PackageState {
  readonly host: string;
  readonly name: string;
  readonly manager: PackageManager;
  readonly isInstalled: boolean;
  readonly version: string | undefined;
}

/**
 * Asks the host's package database about one package: dpkg-query (Debian, Ubuntu), dpkg's status file when
 * there is no dpkg-query (a debug container, a slimmed image), apk (Alpine), rpm (RHEL, SUSE), whichever answers
 * first. Only the dpkg ways are exercised on the local cluster's images.
 */
export async function probePackage(context: ProbeContext, name: string): Promise<PackageState> {
  for (const query of [dpkgQuery, dpkgStatusFile, apk, rpm]) {
    try {
      const state = await query(context, name);
      if (state) return state;
    } catch (error) {
      if (!(error instanceof MissingProgramError)) throw error;
    }
  }
  throw new MissingProgramError({
    host: context.uri,
    probe: `package ${name}`,
    found: 'none of dpkg-query, /var/lib/dpkg/status, apk or rpm exists on the host',
    hint: 'images built without a package database (distroless, scratch) cannot answer package probes',
  });
}

type Query = (context: ProbeContext, name: string) => Promise<PackageState | undefined>;

/** The database of the target, also when the commands run in a debug container (HostBackend.rootPrefix). */
function root(context: ProbeContext): string {
  return context.path('/').replace(/\/$/, '');
}

const dpkgQuery: Query = async (context, name) => {
  const admindir = root(context) ? [`--admindir=${context.path('/var/lib/dpkg')}`] : [];
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
  const format = '${db:Status-Abbrev}|${Version}';
  const result = await context.read(['dpkg-query', ...admindir, '-W', '-f', format, '--', name]);
  if (result.exitCode !== 0) {
    if (/no packages found/i.test(result.stderr)) return state(context, name, 'dpkg', false, undefined);
    throw failed(context, name, 'dpkg-query', result.stderr);
  }
  const [status = '', version] = result.stdout.split('|');
  // "ii " is installed; "rc " (removed, config left) and "un " are not.
  return state(context, name, 'dpkg', status.startsWith('ii'), status.startsWith('ii') ? version : undefined);
};

const dpkgStatusFile: Query = async (context, name) => {
  const result = await context.read(['cat', '--', context.path('/var/lib/dpkg/status')]);
  if (result.exitCode !== 0) return undefined;
  const stanza = parseDpkgStatus(result.stdout).find((entry) => entry.Package === name);
  const installed = stanza?.Status?.split(' ').at(-1) === 'installed';
  return state(context, name, 'dpkg', installed, installed ? stanza?.Version : undefined);
};

const apk: Query = async (context, name) => {
  const rootArgs = root(context) ? ['--root', root(context)] : [];
  const result = await context.run(['apk', ...rootArgs, 'info', '-e', '-v', '--', name]);
  if (result.exitCode !== 0 || result.stdout.trim() === '') return state(context, name, 'apk', false, undefined);
  const full = result.stdout.trim().split('\n')[0] ?? '';
  return state(context, name, 'apk', true, full.startsWith(`${name}-`) ? full.slice(name.length + 1) : full);
};

const rpm: Query = async (context, name) => {
  const rootArgs = root(context) ? ['--root', root(context)] : [];
  const result = await context.run(['rpm', ...rootArgs, '-q', '--qf', '%{VERSION}-%{RELEASE}', '--', name]);
  if (result.exitCode !== 0) {
    if (/is not installed/i.test(result.stdout + result.stderr)) return state(context, name, 'rpm', false, undefined);
    throw failed(context, name, 'rpm', result.stderr);
  }
  return state(context, name, 'rpm', true, result.stdout.trim());
};

/** The stanzas of /var/lib/dpkg/status as field maps (continuation lines dropped). */
export function parseDpkgStatus(text: string): Record<string, string>[] {
  return text
    .split(/\n\s*\n/)
    .map((stanza) => {
      const fields: Record<string, string> = {};
      for (const line of stanza.split('\n')) {
        const match = /^([A-Za-z][\w-]*):\s?(.*)$/.exec(line);
        if (match?.[1]) fields[match[1]] = match[2] ?? '';
      }
      return fields;
    })
    .filter((fields) => fields.Package !== undefined);
}

function state(
  context: ProbeContext,
  name: string,
  manager: PackageManager,
  isInstalled: boolean,
  version: string | undefined,
): PackageState {
  return { host: context.uri, name, manager, isInstalled, version };
}

function failed(context: ProbeContext, name: string, program: string, stderr: string): ProbeError {
  return new ProbeError({ host: context.uri, probe: `package ${name}`, found: `${program} failed: ${stderr.trim()}` });
}
