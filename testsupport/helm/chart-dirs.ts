import { type Dirent, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Chart directories in or under `root`, in name order: a folder with Chart.yaml is a chart and is not searched
 * further (its charts/ are its subcharts); dot folders, node_modules and folders that cannot be read are skipped;
 * `depth` levels down at most.
 */
export function chartDirsUnder(root: string, depth: number): string[] {
  const found: string[] = [];
  const walk = (dir: string, left: number): void => {
    if (existsSync(path.join(dir, 'Chart.yaml'))) {
      found.push(dir);
      return;
    }
    if (left === 0) return;
    for (const entry of readFolder(dir).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') {
        walk(path.join(dir, entry.name), left - 1);
      }
    }
  };
  walk(root, depth);
  return found;
}

function readFolder(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
