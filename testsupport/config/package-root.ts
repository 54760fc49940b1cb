import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Where chart-testware's own files are (scripts/, images/, charts/, local/): the folder of its package.json. The
 * same code runs from the sources in this repository (testsupport/…) and compiled inside an installed package
 * (node_modules/chart-testware/dist/testsupport/…), so the root is found by walking up, not by a fixed `../..`.
 */
export const packageRoot: string = findPackageRoot(import.meta.dirname);

/** The extension of the running code's own modules: `.ts` from the sources, `.js` once compiled. */
export const moduleExtension: string = path.extname(import.meta.filename);

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'chart-testware') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`chart-testware: no package.json of chart-testware above ${start}`);
  }
}
