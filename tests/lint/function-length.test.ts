// No function over 60 lines in testsupport/helm and testsupport/cluster (issue 10: smaller rooms), read with the
// TypeScript compiler.
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { mark } from '../../testsupport/context/mark.ts';
import { functionSizes, sizesIn } from './function-length.ts';

const root = path.resolve(import.meta.dirname, '../..');
const limit = 60;

mark('no_deploy').describe('function length', () => {
  test('every kind of function is measured from its first to its last line, under its name', () => {
    const body = (lines: number) => Array.from({ length: lines - 2 }, (_, i) => `  const a${i} = ${i};`).join('\n');
    const source = [
      `export function long(): void {\n${body(62)}\n}`,
      `class Room {\n  method(): void {\n${body(5)}\n  }\n  get size(): number {\n    return 1;\n  }\n}`,
      `const arrow = () => {\n${body(4)}\n};`,
    ].join('\n');
    const sizes = Object.fromEntries(functionSizes('/x/room.ts', source).map((size) => [size.id, size.lines]));
    expect(sizes).toEqual({ 'room.ts:long': 62, 'room.ts:Room.method': 5, 'room.ts:Room.size': 3, 'room.ts:arrow': 4 });
    expect(Object.entries(sizes).filter(([, lines]) => lines > limit)).toEqual([['room.ts:long', 62]]);
  });

  test(`no function in testsupport/helm or testsupport/cluster is over ${limit} lines`, () => {
    const sizes = ['helm', 'cluster'].flatMap((layer) => sizesIn(path.join(root, 'testsupport', layer)));
    expect(sizes.length).toBeGreaterThan(100);
    const tooLong = sizes.filter((size) => size.lines > limit);
    expect(tooLong.map((size) => `${size.id} (${size.lines} lines)`)).toEqual([]);
  });
});
