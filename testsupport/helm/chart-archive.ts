import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** A packaged chart (.tgz, as `helm package` and `helm dependency build` write them): its name and file paths. */
export interface ChartArchive {
  /** The top directory of the archive, which helm names after the chart. */
  readonly name: string;
  /** Paths inside the chart, e.g. "templates/service.yaml". */
  readonly files: readonly string[];
}

/** Lists a chart archive without unpacking it (gzip + ustar/pax headers). Undefined when it is not one. */
export function readChartArchive(file: string): ChartArchive | undefined {
  let tar: Buffer;
  try {
    tar = gunzipSync(readFileSync(file));
  } catch {
    return undefined;
  }
  const paths: string[] = [];
  let longName: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = Number.parseInt(text(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    if (type === 'x') {
      longName = /(?:^|\n)\d+ path=([^\n]+)\n/.exec(body.toString('utf8'))?.[1];
    } else if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
    } else {
      const prefix = text(header, 345, 155);
      const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
      if (type === '0' || type === '\0') paths.push(name);
      longName = undefined;
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  const top = paths[0]?.split('/')[0];
  if (!top || !paths.includes(`${top}/Chart.yaml`)) return undefined;
  return { name: top, files: paths.filter((p) => p.startsWith(`${top}/`)).map((p) => p.slice(top.length + 1)) };
}

function text(buffer: Buffer, start: number, length: number): string {
  return buffer
    .subarray(start, start + length)
    .toString('utf8')
    .replace(/\0.*$/s, '');
}
