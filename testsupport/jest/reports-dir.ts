import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';

/**
 * Makes the reports folder and proves it writable before anything slow starts, one folder at a time: Node's
 * recursive mkdir loops forever where the kernel answers ENOENT for a parent that exists (/proc, /sys). `shownAs`
 * is the folder as the user wrote it.
 */
export function prepareReportsDir(dir: string, givenAs: string, shownAs: string = dir): void {
  const fail = (problem: string): never => {
    throw new ConfigError(`${givenAs} ${shownAs} ${problem}`, {
      hint: `name a folder you can write to (it is created if missing), e.g. ${givenAs === '--reports-dir' ? '--reports-dir reports' : `${givenAs}=reports`}`,
    });
  };
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  let current = path.parse(path.resolve(dir)).root;
  for (const part of [...parts, '.run']) {
    current = path.join(current, part);
    let stat: ReturnType<typeof statSync> | undefined;
    try {
      stat = statSync(current);
    } catch {
      stat = undefined;
    }
    if (stat && !stat.isDirectory()) fail(`cannot be used: ${current} is a file, not a folder`);
    if (stat) continue;
    try {
      mkdirSync(current);
    } catch (error) {
      fail(`cannot be created: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} at ${current}`);
    }
  }
  const probe = path.join(dir, '.run', `.write-probe-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    fail(`is not writable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
