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
 * Asks the host's package database about one package: dpkg-query (Debian, Ubuntu), apk (Alpine), rpm (RHEL,
 * SUSE), whichever exists, tried in that order. Only dpkg is exercised on the local cluster's images.
 */
export async function probePackage(context: ProbeContext, name: string): Promise<PackageState> {
  for (const manager of ['dpkg', 'apk', 'rpm'] as const) {
    try {
      return await queries[manager](context, name);
    } catch (error) {
      if (!(error instanceof MissingProgramError)) throw error;
    }
  }
  throw new MissingProgramError({
    host: context.uri,
    probe: `package ${name}`,
    found: 'none of dpkg-query, apk or rpm exists on the host',
    hint: 'images built without a package database (distroless, scratch) cannot answer package probes',
  });
}

const queries: Record<PackageManager, (context: ProbeContext, name: string) => Promise<PackageState>> = {
  async dpkg(context, name) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
    const result = await context.run(['dpkg-query', '-W', '-f', '${db:Status-Abbrev}|${Version}', '--', name]);
    if (result.exitCode !== 0) {
      if (/no packages found/i.test(result.stderr)) return state(context, name, 'dpkg', false, undefined);
      throw failed(context, name, 'dpkg-query', result.stderr);
    }
    const [status = '', version] = result.stdout.split('|');
    // "ii " is installed; "rc " (removed, config left) and "un " are not.
    return state(context, name, 'dpkg', status.startsWith('ii'), status.startsWith('ii') ? version : undefined);
  },
  async apk(context, name) {
    const result = await context.run(['apk', 'info', '-e', '-v', '--', name]);
    if (result.exitCode !== 0 || result.stdout.trim() === '') return state(context, name, 'apk', false, undefined);
    const full = result.stdout.trim().split('\n')[0] ?? '';
    return state(context, name, 'apk', true, full.startsWith(`${name}-`) ? full.slice(name.length + 1) : full);
  },
  async rpm(context, name) {
    const result = await context.run(['rpm', '-q', '--qf', '%{VERSION}-%{RELEASE}', '--', name]);
    if (result.exitCode !== 0) {
      if (/is not installed/i.test(result.stdout + result.stderr)) return state(context, name, 'rpm', false, undefined);
      throw failed(context, name, 'rpm', result.stderr);
    }
    return state(context, name, 'rpm', true, result.stdout.trim());
  },
};

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
