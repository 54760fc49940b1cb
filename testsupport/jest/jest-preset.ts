import { createRequire } from 'node:module';
import path from 'node:path';
import type { Config } from 'jest';
import { moduleExtension } from '../config/package-root.ts';

const require = createRequire(import.meta.url);

/**
 * The Jest configuration chart-testware needs, with absolute paths so that it works from any project: ESM
 * TypeScript tests transformed by SWC (types are stripped; `tsc --noEmit` checks them), the marker-aware environment
 * and the matchers. This repository's jest.config.ts, the package's `chart-testware/jest-preset` and the runner's
 * default for a project without a Jest config are all this one object.
 */
export function jestPreset(rootDir?: string): Config {
  const here = import.meta.dirname;
  return {
    ...(rootDir ? { rootDir } : {}),
    testEnvironment: path.join(here, `marker-environment${moduleExtension}`),
    extensionsToTreatAsEsm: ['.ts'],
    transform: {
      '^.+\\.ts$': [
        require.resolve('@swc/jest'),
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2023', keepClassNames: true },
          module: { type: 'es6' },
        },
      ],
    },
    testMatch: ['**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/fixtures/'],
    modulePathIgnorePatterns: ['<rootDir>/reports/'],
    snapshotFormat: { escapeString: false, printBasicPrototype: false },
    testTimeout: 30_000,
    // chart_deploy tests mostly wait on the cluster: two workers overlap those waits even on a 2-core machine.
    maxWorkers: 2,
    // After its last file a worker holds no handle (its 'exit' comes ~15-70 ms after Jest's end message), but Node's
    // own teardown of a worker's large heap, on a loaded 2-core machine, outlasts Jest's default 500 ms: Jest then
    // kills it and prints "A worker process has failed to exit gracefully". A worker that really leaks a handle still
    // gets that message, 10 s later.
    workerGracefulExitTimeout: 10_000,
    setupFilesAfterEnv: [path.join(here, `matchers${moduleExtension}`)],
    // plain `npx jest` (an IDE): one run id for all workers, and the job namespace deleted at the end
    globalSetup: path.join(here, `plain-jest-setup${moduleExtension}`),
    globalTeardown: path.join(here, `plain-jest-teardown${moduleExtension}`),
  };
}
