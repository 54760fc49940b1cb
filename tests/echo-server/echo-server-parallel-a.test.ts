// One of two test files (-a and -b) that each deploy an EchoServer; run together (Jest workers run files in
// parallel: `npm test -- --marker chart_deploy tests/echo-server -w 2`) they must not see each other's lines.
import { randomBytes } from 'node:crypto';
import { expect, test } from '@jest/globals';
import { EchoServer } from '../../testsupport/extras/echo-server.ts';
import { mark } from '../../testsupport/index.ts';

mark('chart_deploy').describe('EchoServer in parallel files (a)', () => {
  test('lines posted here appear in this server only', async () => {
    await using echo = await EchoServer.deploy();
    const lines = Array.from({ length: 20 }, (_, i) => `file-a ${i} ${randomBytes(4).toString('hex')}`);
    for (const line of lines) await echo.printToStdout(line);
    await echo.waitForLogLine(lines.at(-1) ?? '');
    expect(await echo.logLines()).toEqual(lines);
    process.stderr.write(
      `[parallel] file a: ${echo.namespace}/${echo.name} pid ${process.pid} ${new Date().toISOString()}\n`,
    );
  }, 120_000);
});
