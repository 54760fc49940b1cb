import { expect, test } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { runFixtures, runnerTestTimeout } from './run-fixtures.ts';

// The fixture tests (tests/fixtures/runner/markers.fixture.ts) and their markers:
const unmarked = 'unmarked test'; // none
const renders = 'static renders'; // no_deploy
const flakyStatic = 'static flaky static check'; // no_deploy, quarantine — fails
const installs = 'deployed installs'; // chart_deploy
const nested = 'deployed nested block inherits answers'; // chart_deploy (inherited through a nested describe)
const flakyDeployed = 'deployed flaky deployed check'; // chart_deploy, quarantine

mark('no_deploy').describe('the runner selects tests by marker expression', () => {
  test.each([
    ['no_deploy', [renders, flakyStatic]],
    ['not chart_deploy', [unmarked, renders, flakyStatic]],
    ['chart_deploy and not quarantine', [installs, nested]],
    ['(no_deploy or chart_deploy) and not quarantine', [renders, installs, nested]],
    ['quarantine', [flakyStatic, flakyDeployed]],
  ])(
    '--marker "%s"',
    async (expression, expected) => {
      const run = await runFixtures(['--marker', expression]);
      expect(run.ran).toEqual([...expected].sort());
      expect(run.exitCode).toBe(0);
    },
    runnerTestTimeout,
  );

  test(
    'no --marker selects everything but quarantine',
    async () => {
      const run = await runFixtures([]);
      expect(run.ran).toEqual([unmarked, renders, installs, nested].sort());
      expect(run.exitCode).toBe(0);
    },
    runnerTestTimeout,
  );

  test(
    '--all selects every test, quarantine included',
    async () => {
      const run = await runFixtures(['--all']);
      expect(run.ran).toEqual([unmarked, renders, flakyStatic, installs, nested, flakyDeployed].sort());
    },
    runnerTestTimeout,
  );

  test(
    'a failing quarantined test exits 0 and is a failure in JUnit, with its markers as properties',
    async () => {
      const run = await runFixtures(['--marker', 'quarantine']);
      expect(run.exitCode).toBe(0);
      expect(run.output).toContain('quarantined test failed (does not fail the run): static flaky static check');
      const testCase = run.junit.match(/<testcase [^>]*name="flaky static check".*?<\/testcase>/s)?.[0] ?? '';
      expect(testCase).toContain('<failure message="[quarantined, does not fail the run]');
      expect(testCase).toContain('<property name="marker" value="no_deploy"/>');
      expect(testCase).toContain('<property name="marker" value="quarantine"/>');
    },
    runnerTestTimeout,
  );

  test(
    'a failing test that is not quarantined fails the run',
    async () => {
      const run = await runFixtures(['--marker', 'no_deploy'], 'failing');
      expect(run.exitCode).toBe(1);
      expect(run.junit).toContain('<failure message="Error: expect(received).toBe(expected)');
      expect(run.output).toMatch(/^tests: 0 passed, 1 failed$/m);
    },
    runnerTestTimeout,
  );

  test(
    'a selection that matches no test exits 0 with one clear line',
    async () => {
      const run = await runFixtures(['--marker', 'no_deploy and chart_deploy']);
      expect(run.exitCode).toBe(0);
      expect(run.output).toContain(
        'no test matches --marker "no_deploy and chart_deploy" (6 deselected); nothing to run',
      );
    },
    runnerTestTimeout,
  );
});

mark('no_deploy').describe('the runner refuses bad marker expressions', () => {
  test(
    'an unknown marker is an error that lists the known ones',
    async () => {
      const run = await runFixtures(['--marker', 'nosuch']);
      expect(run.exitCode).toBe(4);
      expect(run.output).toContain('unknown marker "nosuch"');
      expect(run.output).toContain('known markers: no_deploy, chart_deploy, quarantine');
      expect(run.ran).toEqual([]);
    },
    runnerTestTimeout,
  );

  test(
    'a malformed expression is an error that shows where it breaks',
    async () => {
      const run = await runFixtures(['--marker', 'no_deploy and']);
      expect(run.exitCode).toBe(4);
      expect(run.output).toContain(
        'malformed marker expression in --marker: expected a marker name, "not" or "(" at column 14',
      );
      expect(run.output).toContain('  no_deploy and\n               ^');
    },
    runnerTestTimeout,
  );

  test(
    'options it does not know pass through to Jest',
    async () => {
      const run = await runFixtures(['-t', 'renders']);
      expect(run.ran).toEqual([renders]);
    },
    runnerTestTimeout,
  );
});
