// The probes over SSH (ssh2) on the sshd image, next to the same probes over exec on the same pod. The host
// key is learned through exec first, so host-key checking stays on.
import { expect, test } from '@jest/globals';
import ssh2 from 'ssh2';
import { mark } from '../../testsupport/index.ts';
import { type Host, host } from '../../testsupport/probes/host.ts';
import { CommandFailedError, HostUnreachableError, ProbeTimeoutError } from '../../testsupport/probes/probe-error.ts';
import { fingerprintOf } from '../../testsupport/probes/ssh-backend.ts';
import { deploySshdPod } from './sshd-pod.ts';

// ssh2 is CommonJS: its `utils` is not a named export for Node's own ESM loader.
const { utils } = ssh2;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

async function timed<T>(what: string, timings: Record<string, number>, probe: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await probe();
  timings[what] = Math.round(performance.now() - started);
  return result;
}

/** The same probes on any backend; returns the milliseconds each took. */
async function probeSshdHost(target: Host): Promise<Record<string, number>> {
  const t: Record<string, number> = {};
  const passwd = await timed('file', t, () => target.file('/etc/passwd'));
  expect(passwd).toExist();
  expect(passwd).toMatchObject({ isFile: true, mode: 0o644, user: 'root', group: 'root' });
  expect(await passwd.contents()).toContain('tester:x:1000:1000:');
  expect(await target.socket('tcp://22')).toBeListening();
  expect(await timed('socket', t, () => target.socket('tcp://0.0.0.0:22'))).toBeListening();
  expect(await target.socket('tcp://2222')).not.toBeListening();
  const sshd = await timed('process', t, () => target.processes({ command: 'sshd', user: 'root' }));
  expect(
    sshd.some((p) => p.args.join(' ').startsWith('sshd: /usr/sbin/sshd -D') || p.args[0] === '/usr/sbin/sshd'),
  ).toBe(true);
  expect(await timed('user', t, () => target.user('tester'))).toMatchObject({
    exists: true,
    uid: 1000,
    group: 'tester',
    home: '/home/tester',
    shell: '/bin/bash',
  });
  expect(await target.group('tester')).toMatchObject({ exists: true, gid: 1000, members: ['tester'] });
  const pkg = await timed('package', t, () => target.package('openssh-server'));
  expect(pkg).toExist();
  expect(pkg.version).toMatch(/^1:9\.2p1-/);
  const id = await timed('command', t, () => target.check(['id', '-un']));
  expect(id.stdout.trim()).toMatch(/^(root|tester)$/);
  const failing = await target.check(['ls', '/surely/not/here']).catch((error: unknown) => error);
  expect(failing).toBeInstanceOf(CommandFailedError);
  expect((failing as Error).message).toContain('No such file or directory');
  return t;
}

mark('chart_deploy').describe('probes over SSH on the sshd image', () => {
  test('the same probes pass over exec and over SSH, with the host key read through exec', async () => {
    const keys = utils.generateKeyPairSync('ed25519');
    await using sshd = await deploySshdPod(keys.public);
    await using viaExec = host(`kube://${sshd.namespace}/${sshd.name}`);
    const hostKey = await (await viaExec.file('/etc/ssh/ssh_host_ed25519_key.pub')).contents();
    expect(hostKey).toMatch(/^ssh-ed25519 AAAA/);

    const connectStarted = performance.now();
    await using viaSsh = host(`ssh://tester@${sshd.podIp}:22`, { privateKey: keys.private, hostKey });
    await viaSsh.check(['true']);
    const connectMs = Math.round(performance.now() - connectStarted);

    const execTimes = await probeSshdHost(viaExec);
    const sshTimes = await probeSshdHost(viaSsh);
    expect((await viaSsh.check(['id', '-un'])).stdout.trim()).toBe('tester');
    expect((await viaSsh.check(['cat'], { stdin: 'line one\nline two\n' })).stdout).toBe('line one\nline two\n');
    const slow = await viaSsh.run(['sleep', '30'], { timeout: 500 }).catch((error: unknown) => error);
    expect(slow).toBeInstanceOf(ProbeTimeoutError);
    expect((await viaSsh.check(['echo', 'still usable'])).stdout).toBe('still usable\n');
    process.stderr.write(
      `[probes] SSH connect+first command ${connectMs} ms; per probe (ms) exec ${JSON.stringify(execTimes)} ssh ${JSON.stringify(sshTimes)}\n`,
    );
  }, 120_000);

  test('a wrong host key is refused naming the offered and the accepted fingerprints; the opt-out connects', async () => {
    const keys = utils.generateKeyPairSync('ed25519');
    const otherHostKey = utils.generateKeyPairSync('ed25519').public;
    await using sshd = await deploySshdPod(keys.public);
    await using wrongKey = host(`ssh://tester@${sshd.podIp}`, { privateKey: keys.private, hostKey: otherHostKey });
    const failure = await wrongKey.run(['true']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HostUnreachableError);
    expect((failure as Error).message).toMatch(
      new RegExp(
        `^SSH connect on ssh://tester@${sshd.podIp.replaceAll('.', '\\.')}:22: the server's host key SHA256:\\S+ is not among the accepted ${escapeRegExp(fingerprintOf(otherHostKey))}\\n  hint: `,
      ),
    );
    expect(fingerprintOf(otherHostKey)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    await using insecure = host(`ssh://tester@${sshd.podIp}`, {
      privateKey: keys.private,
      insecureSkipHostKeyCheck: true,
    });
    expect((await insecure.check(['echo', 'it works', "it's quoted"])).stdout).toBe("it works it's quoted\n");
  }, 120_000);

  test('password login works when the server allows it; a wrong password fails authentication', async () => {
    const password = `pw ${utils.generateKeyPairSync('ed25519').public.slice(-12)}:@/`;
    await using sshd = await deploySshdPod(utils.generateKeyPairSync('ed25519').public, { password });
    await using viaExec = host(`kube://${sshd.namespace}/${sshd.name}`);
    const hostKey = await (await viaExec.file('/etc/ssh/ssh_host_ed25519_key.pub')).contents();
    await using withPassword = host(`ssh://tester@${sshd.podIp}`, { password, hostKey });
    expect((await withPassword.check(['id', '-un'])).stdout).toBe('tester\n');
    expect(await withPassword.user('tester')).toMatchObject({ exists: true, uid: 1000 });
    // the password may also ride in the URI, percent-encoded
    await using inUri = host(`ssh://tester:${encodeURIComponent(password)}@${sshd.podIp}`, { hostKey });
    expect((await inUri.check(['echo', 'from the URI'])).stdout).toBe('from the URI\n');
    await using wrong = host(`ssh://tester@${sshd.podIp}`, { password: `${password}x`, hostKey });
    const failure = await wrong.run(['true']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HostUnreachableError);
    expect((failure as Error).message).toContain('authentication failed');
    expect((failure as Error).message).not.toContain(password);
  }, 120_000);

  test('an unknown key fails authentication with a message that says so', async () => {
    const keys = utils.generateKeyPairSync('ed25519');
    await using sshd = await deploySshdPod(keys.public);
    await using viaExec = host(`kube://${sshd.namespace}/${sshd.name}`);
    const hostKey = await (await viaExec.file('/etc/ssh/ssh_host_ed25519_key.pub')).contents();
    await using stranger = host(`ssh://tester@${sshd.podIp}`, {
      privateKey: utils.generateKeyPairSync('ed25519').private,
      hostKey,
    });
    const failure = await stranger.run(['true']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HostUnreachableError);
    expect((failure as Error).message).toContain('SSH connect on ssh://tester@');
    expect((failure as Error).message).toContain('authentication failed');
  }, 120_000);
});
