// The README's chart_deploy example, kept here so it is run, not just shown.
import { expect, test } from '@jest/globals';
import { ChartDeployment, host, mark } from '../../testsupport/index.ts';

mark('chart_deploy').describe('tango-base', () => {
  test('the TangoTest device answers, and mysqld listens as mysql', async () => {
    // installs into the job namespace, waits on watches, fails fast with the kubelet's reason
    await using tango = await ChartDeployment.install('charts/tango-base');
    const pod = await tango.pod('tangotest');
    const ping = await tango.exec(pod.metadata!.name!, ['tango_admin', '--ping-device', 'sys/tg_test/1']);
    expect(ping.exitCode).toBe(0);

    const db = await tango.pod('tangodb');
    await using dbHost = host(`kube://${db.metadata!.namespace}/${db.metadata!.name}`);
    expect(await dbHost.socket('tcp://0.0.0.0:3306')).toBeListening();
    expect((await dbHost.processes({ command: 'mysqld' }))[0]?.user).toBe('mysql');
  }, 300_000);
});
