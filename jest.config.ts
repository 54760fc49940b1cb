import type { Config } from 'jest';

// Test files are ESM TypeScript. SWC strips types (tsc --noEmit type-checks separately);
// the marker-aware environment selects tests by the --marker expression the runner passes down.
const config: Config = {
  testEnvironment: '<rootDir>/testsupport/jest/marker-environment.ts',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023', keepClassNames: true },
        module: { type: 'es6' },
      },
    ],
  },
  testMatch: ['<rootDir>/tests/**/*.test.ts', '<rootDir>/testsupport/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/fixtures/'],
  modulePathIgnorePatterns: ['<rootDir>/reports/'],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
  testTimeout: 30_000,
  // chart_deploy tests mostly wait on the cluster: two workers overlap those waits even on a 2-core machine.
  maxWorkers: 2,
  setupFilesAfterEnv: ['<rootDir>/testsupport/jest/matchers.ts'],
};

export default config;
