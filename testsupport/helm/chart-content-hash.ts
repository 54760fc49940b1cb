import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * A hash of everything in a chart directory that can change a render: every file's path and content, subcharts
 * (directories and .tgz) included. VCS directories are left out.
 */
export async function chartContentHash(chartDir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = await listFiles(chartDir);
  files.sort();
  const contents = await Promise.all(files.map((file) => readFile(path.join(chartDir, file))));
  for (const [index, file] of files.entries()) {
    const content = contents[index] as Buffer;
    hash.update(`${file}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest('hex');
}

async function listFiles(root: string, relative = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const file = relative ? `${relative}/${entry.name}` : entry.name;
      // helm follows symlinks; so does the hash (a link to a directory is walked like one).
      const isDirectory =
        entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path.join(root, file))).isDirectory());
      if (isDirectory) return ['.git', '.hg', '.svn'].includes(entry.name) ? [] : listFiles(root, file);
      return entry.isFile() || entry.isSymbolicLink() ? [file] : [];
    }),
  );
  return nested.flat();
}
