import type { Config } from 'jest';
import { jestPreset } from './testsupport/jest/jest-preset.ts';

// The package's own preset, with this repository's test folders.
const config: Config = {
  ...jestPreset(),
  testMatch: ['<rootDir>/tests/**/*.test.ts', '<rootDir>/testsupport/**/*.test.ts'],
};

export default config;
