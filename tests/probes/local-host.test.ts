// The probe modules end to end on this machine's real /proc and /etc (the local:// backend), plus their parsers.
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { host } from '../../testsupport/probes/host.ts';
import type { HostBackend } from '../../testsupport/probes/host-backend.ts';
import { LocalBackend } from '../../testsupport/probes/local-backend.ts';
import { parseDpkgStatus } from '../../testsupport/probes/package-state.ts';
import {
  CommandFailedError,
  MissingProgramError,
  ProbeError,
  ProbeTimeoutError,
} from '../../testsupport/probes/probe-error.ts';
import { decodeAddress, parseProcNetInet } from '../../testsupport/probes/proc-net.ts';
import { parseSocketSpec } from '../../testsupport/probes/socket-spec.ts';
import { splitTailOutput } from '../../testsupport/probes/tail-output.ts';

const local = host('local://');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'probes-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await local.close();
});

function listen(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => {
      const bound = server.address();
      resolve(typeof bound === 'object' && bound ? bound.port : 0);
    });
  });
}

mark('no_deploy').describe('probes on the local machine', () => {
  test('file: a regular file with its mode, owner, size, contents and sha256', async () => {
    const file = path.join(dir, 'data.txt');
    writeFileSync(file, 'hello probes\n');
    chmodSync(file, 0o640);
    const state = await local.file(file);
    expect(state).toMatchObject({
      exists: true,
      isFile: true,
      isDirectory: false,
      isSymlink: false,
      mode: 0o640,
      size: 13,
    });
    expect(state.user).toBe(userInfo().username);
    expect(state.modeString).toBe('0640');
    expect(await state.contents()).toBe('hello probes\n');
    expect(await state.sha256()).toBe(createHash('sha256').update('hello probes\n').digest('hex'));
  });

  test('file: directories, symlinks and dangling symlinks', async () => {
    const target = path.join(dir, 'target');
    writeFileSync(target, 'x');
    symlinkSync(target, path.join(dir, 'link'));
    symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling'));
    expect(await local.file(dir)).toMatchObject({ exists: true, isDirectory: true, isFile: false });
    expect(await local.file(path.join(dir, 'link'))).toMatchObject({
      exists: true,
      isFile: true,
      isSymlink: true,
      linkTarget: target,
      size: 1,
    });
    const dangling = await local.file(path.join(dir, 'dangling'));
    expect(dangling).toMatchObject({ exists: false, isSymlink: true });
    expect(dangling.describe()).toContain('dangling symlink');
  });

  test('file: a missing file does not exist, and reading it fails with a readable message', async () => {
    const missing = await local.file(path.join(dir, 'nope'));
    expect(missing.exists).toBe(false);
    expect(missing.reason).toBe('No such file or directory');
    const failure = await missing.contents().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProbeError);
    expect((failure as Error).message).toBe(
      `file ${dir}/nope (contents) on local://: it does not exist: nothing (No such file or directory)\n  hint: check the path; probe it again with host.file() if it is created later`,
    );
  });

  test('socket: a TCP listener is found by port and address, and disappears when closed', async () => {
    const server = createServer();
    const port = await listen(server, '127.0.0.1');
    try {
      expect((await local.socket(`tcp://${port}`)).isListening).toBe(true);
      expect((await local.socket(`tcp://127.0.0.1:${port}`)).isListening).toBe(true);
      expect((await local.socket(`tcp://10.255.255.1:${port}`)).isListening).toBe(false);
      expect((await local.socket(`udp://${port}`)).isListening).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const closed = await local.socket(`tcp://${port}`);
    expect(closed.isListening).toBe(false);
    expect(closed.describe()).not.toContain(`:${port},`);
  });

  test('socket: an IPv6 wildcard listener serves any address; a UDP socket is listening when bound', async () => {
    const server = createServer();
    const port = await listen(server, '::').catch(() => undefined);
    if (port !== undefined) {
      try {
        const state = await local.socket(`tcp://[::]:${port}`);
        expect(state.isListening).toBe(true);
        expect(state.listeners[0]).toMatchObject({ family: 6, localAddress: '::', localPort: port });
        expect((await local.socket(`tcp://0.0.0.0:${port}`)).isListening).toBe(true);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    }
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    try {
      expect((await local.socket(`udp://127.0.0.1:${udp.address().port}`)).isListening).toBe(true);
    } finally {
      udp.close();
    }
  });

  test('process: this test process is found by pid, command and user', async () => {
    const me = await local.process({ pid: process.pid });
    expect(me.comm).toBe(readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim());
    expect(me.uid).toBe(userInfo().uid);
    expect(me.user).toBe(userInfo().username);
    expect(me.ppid).toBe(process.ppid);
    expect(me.args).toEqual(
      readFileSync(`/proc/${process.pid}/cmdline`, 'utf8')
        .split('\u0000')
        .filter((a, i, all) => i < all.length - 1 || a !== ''),
    );
    const nodes = await local.processes({ command: /node/, user: userInfo().username });
    expect(nodes.map((p) => p.pid)).toContain(process.pid);
    expect(await local.processes({ command: 'surely-no-such-process' })).toEqual([]);
  });

  test('process: asking for exactly one process that is not there lists what runs', async () => {
    const failure = await local.process({ command: 'surely-no-such-process' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProbeError);
    expect((failure as Error).message).toMatch(
      /^process \(command surely-no-such-process\) on local:\/\/: no process matches; running:\n/,
    );
    expect((failure as Error).message).toContain(`${process.pid} ${userInfo().username}`);
  });

  test('user and group from /etc/passwd and /etc/group', async () => {
    expect(await local.user('root')).toMatchObject({ exists: true, uid: 0, gid: 0, group: 'root', home: '/root' });
    expect(await local.user('no-such-user-x')).toMatchObject({ exists: false, uid: undefined });
    const root = await local.group('root');
    expect(root).toMatchObject({ exists: true, gid: 0 });
    expect(root.members).toContain('root');
    expect((await local.group('no-such-group-x')).exists).toBe(false);
  });

  test('package: dpkg answers installed with a version, and not installed', async () => {
    const coreutils = await local.package('coreutils');
    expect(coreutils).toMatchObject({ manager: 'dpkg', isInstalled: true });
    const statusFile = readFileSync('/var/lib/dpkg/status', 'utf8');
    const stanza = statusFile.split('\n\n').find((s) => s.startsWith('Package: coreutils\n')) ?? '';
    expect(coreutils.version).toBe(/^Version: (.+)$/m.exec(stanza)?.[1]);
    expect(await local.package('surely-no-such-package')).toMatchObject({ isInstalled: false, version: undefined });
  });

  test('package: the dpkg status file says what dpkg-query says', async () => {
    const stanzas = parseDpkgStatus(readFileSync('/var/lib/dpkg/status', 'utf8'));
    for (const name of ['coreutils', 'libc6', 'bash']) {
      const stanza = stanzas.find((entry) => entry.Package === name);
      const state = await local.package(name);
      expect([stanza?.Status, stanza?.Version]).toEqual(['install ok installed', state.version]);
    }
    expect(stanzas.length).toBeGreaterThan(50);
  });

  test('command: rc and streams; check() throws with both streams', async () => {
    const argv = [
      process.execPath,
      '-e',
      'process.stdout.write("to out"); process.stderr.write("to err"); process.exit(3)',
    ];
    const result = await local.command(argv);
    expect([result.rc, result.stdout, result.stderr]).toEqual([3, 'to out', 'to err']);
    const failure = await local.check(argv).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CommandFailedError);
    expect((failure as Error).message).toContain('exited with code 3');
    expect((failure as Error).message).toContain('stdout: to out');
    expect((failure as Error).message).toContain('stderr: to err');
    expect((await local.check(['true'])).rc).toBe(0);
  });

  test('a command past its timeout fails with ProbeTimeoutError; stdin reaches the command', async () => {
    const started = Date.now();
    const failure = await local.run(['sleep', '60'], { timeout: 200 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProbeTimeoutError);
    expect((failure as Error).message).toBe('command ["sleep","60"] on local://: no exit within 200 ms');
    // it did not wait for the command (60 s); the bound leaves a loaded machine room to kill it
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await local.check(['cat'], { stdin: 'through stdin' })).stdout).toBe('through stdin');
  });

  test('probes run a command again when its output was lost (exit 0, empty stdout), twice at most', async () => {
    const inner = new LocalBackend();
    let toDrop = 0;
    const lossy: HostBackend = {
      uri: 'lossy://',
      run: async (argv, options) => {
        const result = await inner.run(argv, options);
        if (argv[0] !== 'tail' || toDrop === 0) return result;
        toDrop -= 1;
        return { ...result, stdout: '' };
      },
      close: async () => {},
    };
    const server = createServer();
    const port = await listen(server, '127.0.0.1');
    try {
      toDrop = 2;
      expect((await host(lossy).socket(`tcp://${port}`)).isListening).toBe(true);
      expect(toDrop).toBe(0);
      toDrop = 3;
      await expect(host(lossy).socket(`tcp://${port}`)).rejects.toThrow(
        `socket tcp://${port} on lossy://: could not read /proc/net/tcp, /proc/net/tcp6: tail exited 0`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a program the host lacks is named in a MissingProgramError', async () => {
    const failure = await local.run(['surely-no-such-program', '--x']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MissingProgramError);
    expect((failure as Error).message).toContain('`surely-no-such-program` is not in PATH');
    expect((failure as Error).message).toContain('hint: install `surely-no-such-program` in the image');
  });
});

mark('no_deploy').describe('probe parsers', () => {
  test('decodeAddress reads the kernel byte order', () => {
    expect(decodeAddress('0100007F')).toBe('127.0.0.1');
    expect(decodeAddress('00000000')).toBe('0.0.0.0');
    expect(decodeAddress('0100580A')).toBe('10.88.0.1');
    expect(decodeAddress('00000000000000000000000000000000')).toBe('::');
    expect(decodeAddress('00000000000000000000000001000000')).toBe('::1');
    expect(decodeAddress('0000000000000000FFFF00000100007F')).toBe('::ffff:127.0.0.1');
    expect(decodeAddress('B80D0120000000000000000001000000')).toBe('2001:db8::1');
  });

  test("parseProcNetInet finds listeners in this machine's real /proc/net/tcp", () => {
    const entries = parseProcNetInet(readFileSync('/proc/net/tcp', 'utf8'), 'tcp', 4);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(entry.localAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(entry.localPort).toBeGreaterThanOrEqual(0);
      expect(entry.listening).toBe(entry.state === 'LISTEN');
    }
  });

  test('splitTailOutput keeps NUL-separated contents and trailing newlines exact', () => {
    const output = 'Name:\tx\n\n==> /b <==\na\u0000b\u0000\n==> /c <==\nlast\n\n\n==> /d <==\n';
    const parts = splitTailOutput(`==> /a <==\n${output}`, ['/a', '/b', '/c', '/d']);
    expect(Object.fromEntries(parts)).toEqual({
      '/a': 'Name:\tx\n',
      '/b': 'a\u0000b\u0000',
      '/c': 'last\n\n',
      '/d': '',
    });
  });

  test('parseSocketSpec accepts testinfra forms and refuses others', () => {
    expect(parseSocketSpec('tcp://22')).toMatchObject({ protocol: 'tcp', address: undefined, port: 22 });
    expect(parseSocketSpec('tcp://[::]:22')).toMatchObject({ address: '::', port: 22 });
    expect(parseSocketSpec('udp://10.0.0.1:53')).toMatchObject({ protocol: 'udp', address: '10.0.0.1' });
    expect(parseSocketSpec('unix:///run/x.sock')).toMatchObject({ protocol: 'unix', path: '/run/x.sock' });
    expect(() => parseSocketSpec('http://22')).toThrow('use tcp://[address:]port');
    expect(() => parseSocketSpec('tcp://99999')).toThrow('expected tcp://port');
    expect(() => parseSocketSpec('tcp://host.example:22')).toThrow('expected tcp://port');
  });

  test('host() refuses malformed URIs and SSH without host-key policy', () => {
    expect(() => host('kube://only-namespace')).toThrow('expected kube://<namespace>/<pod>');
    expect(() => host('ftp://x')).toThrow('unknown scheme ftp:');
    // parts that would be ignored, or fail only at the first command, are refused with the URI as written
    expect(() => host('kube://Team_A/db-0')).toThrow('host "kube://Team_A/db-0": "Team_A" is not a namespace name');
    expect(() => host('kube://ns/DB_0')).toThrow('"DB_0" is not a pod name');
    expect(() => host('kube://ns/db-0?containr=x')).toThrow('unknown parameter "containr"; did you mean container?');
    expect(() => host('kube://ns/db-0?container=')).toThrow('parameter "container" is empty');
    expect(() => host('local:///etc')).toThrow('local:// names this machine and takes nothing after it');
    expect(() => host('ssh://u@10.0.0.1/home?x=1', { password: 'x' })).toThrow('unknown parameter "x"');
    expect(() => host('kube://ns/db-0', { debugimage: 'busybox' } as never)).toThrow(
      'host has no option "debugimage"; did you mean debugImage?',
    );
    expect(host('kube://ns/db-0.replica?container=main').uri).toBe('kube://ns/db-0.replica?container=main');
    expect(() => host('ssh://user@10.0.0.1', { password: 'x' })).toThrow(
      'no hostKey given, and host-key checking is on',
    );
    expect(() => host('ssh://10.0.0.1', { password: 'x', insecureSkipHostKeyCheck: true })).toThrow(
      'expected ssh://<user>@',
    );
    expect(() => host('ssh://u@10.0.0.1', { password: 'x', hostKey: 'garbage' })).toThrow(
      'neither a public key line nor a SHA256 fingerprint',
    );
    expect(host('ssh://u@10.0.0.1:2222', { password: 'x', insecureSkipHostKeyCheck: true }).uri).toBe(
      'ssh://u@10.0.0.1:2222',
    );
  });
});
