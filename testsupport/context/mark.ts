import type { describe, test } from '@jest/globals';
import { loadOptions } from '../config/options.ts';
import { MarkerError } from './marker-expression.ts';
import { testContextSlot } from './test-context.ts';

type TestFn = Parameters<typeof test>[1];
type BlockFn = Parameters<typeof describe>[1];

export interface Marked {
  describe(name: string, fn: BlockFn): void;
  test(name: string, fn: TestFn, timeout?: number): void;
  it(name: string, fn: TestFn, timeout?: number): void;
}

/**
 * pytest-style markers: `mark('chart_deploy').describe('...', () => {...})` marks a block (its tests inherit),
 * `mark('quarantine').test('...', fn)` marks one test. Markers must be known (built-in or registered in
 * chart-testware.json), so a typo fails at once instead of silently deselecting a test.
 */
export function mark(...markers: string[]): Marked {
  const known = loadOptions().markers;
  const unknown = markers.filter((marker) => !known.includes(marker));
  if (markers.length === 0 || unknown.length > 0) {
    throw new MarkerError(
      markers.length === 0 ? 'mark() needs at least one marker' : `unknown marker "${unknown.join('", "')}"`,
      { hint: `known markers: ${known.join(', ')}; register more under "markers" in chart-testware.json` },
    );
  }
  const frozen = Object.freeze([...markers]);
  const withMarkers = (define: () => void): void => {
    const slot = testContextSlot();
    const outer = slot.pendingMarkers;
    slot.pendingMarkers = outer ? [...outer, ...frozen] : frozen;
    try {
      define();
    } finally {
      slot.pendingMarkers = outer;
    }
  };
  return {
    describe: (name, fn) => withMarkers(() => jestGlobals().describe(name, fn)),
    test: (name, fn, timeout) => withMarkers(() => jestGlobals().test(name, fn, timeout)),
    it: (name, fn, timeout) => withMarkers(() => jestGlobals().test(name, fn, timeout)),
  };
}

/**
 * Jest's own describe/test, taken from the globals Jest injects rather than imported from @jest/globals, which
 * throws when loaded outside Jest and would make the public entry point unusable from plain scripts.
 */
function jestGlobals(): { describe: typeof describe; test: typeof test } {
  const globals = globalThis as unknown as Partial<{ describe: typeof describe; test: typeof test }>;
  if (!globals.describe || !globals.test) {
    throw new MarkerError('mark(...).describe/test can only be used inside a Jest test file', {
      hint: 'run the file with `npm test`, and keep injectGlobals on in the Jest config',
    });
  }
  return { describe: globals.describe, test: globals.test };
}
