import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { jestPreset } from './jest-preset.ts';

const require = createRequire(import.meta.url);

/** Jest's CLI from chart-testware's own dependencies, whatever the project has installed. */
export function jestBin(): string {
  return path.join(path.dirname(require.resolve('jest/package.json')), 'bin', 'jest.js');
}

const configFiles = ['jest.config.ts', 'jest.config.js', 'jest.config.mjs', 'jest.config.cjs', 'jest.config.json'];

/** Whether the project configures Jest itself: a jest.config.* file, a "jest" key in package.json, or --config. */
export function hasOwnJestConfig(projectDir: string, jestArgs: readonly string[]): boolean {
  if (jestArgs.some((arg) => arg === '--config' || arg === '-c' || arg.startsWith('--config='))) return true;
  if (configFiles.some((file) => existsSync(path.join(projectDir, file)))) return true;
  try {
    const manifest = JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as { jest?: unknown };
    return manifest.jest !== undefined;
  } catch {
    return false;
  }
}

/** `--config <preset>` for a project that has no Jest configuration of its own; nothing otherwise. */
export function defaultJestConfig(projectDir: string, jestArgs: readonly string[]): string[] {
  if (hasOwnJestConfig(projectDir, jestArgs)) return [];
  return ['--config', JSON.stringify(jestPreset(projectDir))];
}
