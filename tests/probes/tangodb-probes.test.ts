// testinfra-style probes over exec on the tangodb pod of charts/tango-base: mysqld listens on 3306 as user
// mysql; files, users and packages are what the image promises; failures read well.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ChartDeployment } from '../../testsupport/cluster/chart-deployment.ts';
import { eventually } from '../../testsupport/context/eventually.ts';
import { mark } from '../../testsupport/index.ts';
import { type Host, host } from '../../testsupport/probes/host.ts';
import { CommandFailedError, ProbeError } from '../../testsupport/probes/probe-error.ts';

let release: ChartDeployment;
let tangodb: Host;

mark('chart_deploy').describe('probes over exec on the tangodb pod of tango-base', () => {
  beforeAll(async () => {
    release = await ChartDeployment.install('charts/tango-base', {
      values: { tangotest: { enabled: false }, tangodb: { pv: { enabled: false } } },
    });
    const pod = await release.pod('tangodb-');
    tangodb = host(`kube://${release.namespace}/${pod.metadata?.name}?container=tangodb`);
  }, 300_000);

  afterAll(async () => {
    await tangodb?.close();
    await release?.uninstall();
  }, 120_000);

  test('mysqld listens on 3306 and runs as user mysql', async () => {
    // Ready already implies the port answers; eventually covers a restart between the two.
    await eventually(async () => expect(await tangodb.socket('tcp://3306')).toBeListening(), { timeout: 30_000 });
    expect(await tangodb.socket('tcp://0.0.0.0:3306')).toBeListening();
    const mysqld = await tangodb.process({ command: 'mysqld' });
    expect(mysqld).toMatchObject({ user: 'mysql', uid: 999 });
    expect(mysqld.args[0]).toMatch(/mysqld$/);
    const socket = await tangodb.socket('tcp://3306');
    expect(socket.listeners.every((l) => l.uid === 999)).toBe(true);
  }, 120_000);

  test('file, user, group and package probes', async () => {
    const datadir = await tangodb.file('/var/lib/mysql');
    expect(datadir).toExist();
    // With pv.enabled false the data directory is an emptyDir: root's, given to group mysql by fsGroup.
    expect(datadir).toMatchObject({ isDirectory: true, user: 'root', group: 'mysql' });
    expect(await tangodb.file('/var/lib/mysql/tango')).toMatchObject({
      isDirectory: true,
      user: 'mysql',
      group: 'mysql',
    });
    const cnf = await tangodb.file('/etc/mysql/mariadb.conf.d/60-tangodb.cnf');
    expect(cnf).toMatchObject({ isFile: true, user: 'root' });
    expect(await cnf.sha256()).toMatch(/^[0-9a-f]{64}$/);
    expect(await tangodb.file('/etc/mysql/my.cnf')).toMatchObject({ exists: true, isSymlink: true });
    expect(await tangodb.user('mysql')).toMatchObject({
      exists: true,
      uid: 999,
      gid: 999,
      group: 'mysql',
      shell: '/usr/sbin/nologin',
    });
    expect(await tangodb.group('mysql')).toMatchObject({ exists: true, gid: 999 });
    const server = await tangodb.package('mariadb-server-core');
    expect(server).toExist();
    expect(server.version).toMatch(/^1:10\.11\./);
    expect(await tangodb.package('openssh-server')).not.toExist();
    // command(): the database answers over TCP with the chart's default account (values.yaml: tango/tango).
    const tables = await tangodb.check([
      'mariadb',
      '-h',
      '127.0.0.1',
      '-u',
      'tango',
      '-ptango',
      '-N',
      '-e',
      'SHOW TABLES FROM tango',
    ]);
    expect(tables.stdout.split('\n')).toContain('device');
  }, 120_000);

  test('a missing file and a closed port fail with readable messages', async () => {
    const missing = await tangodb.file('/etc/mysql/no-such.cnf');
    expect(() => expect(missing).toExist()).toThrow(
      `expected file /etc/mysql/no-such.cnf on ${tangodb.uri} to exist, but it is nothing (No such file or directory)`,
    );
    const failure = await missing.contents().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProbeError);
    expect((failure as Error).message).toMatch(
      /^file \/etc\/mysql\/no-such\.cnf \(contents\) on kube:\/\/.+\?container=tangodb: it does not exist/,
    );
    const closed = await tangodb.socket('tcp://3307');
    expect(() => expect(closed).toBeListening()).toThrow(
      `expected socket tcp://3307 on ${tangodb.uri} to be listening, but it is not; listening tcp sockets: 0.0.0.0:3306`,
    );
    const command = await tangodb.check(['cat', '/etc/mysql/no-such.cnf']).catch((error: unknown) => error);
    expect(command).toBeInstanceOf(CommandFailedError);
    expect((command as Error).message).toContain('exited with code 1');
    expect((command as Error).message).toContain('stderr: cat: /etc/mysql/no-such.cnf: No such file or directory');
  }, 120_000);
});
