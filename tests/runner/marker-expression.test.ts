import { expect, test } from '@jest/globals';
import { parseMarkerExpression } from '../../testsupport/context/marker-expression.ts';
import { MarkerError, mark } from '../../testsupport/index.ts';
import { markerSelection, selectionMayInclude } from '../../testsupport/jest/marker-selection.ts';

const known = ['no_deploy', 'chart_deploy', 'quarantine', 'slow'];
const selects = (expression: string, ...markers: string[]): boolean =>
  parseMarkerExpression(expression, known).matches(new Set(markers));

mark('no_deploy').describe('marker expressions', () => {
  test('not binds tighter than and, and tighter than or', () => {
    expect(selects('not no_deploy and chart_deploy', 'chart_deploy')).toBe(true);
    expect(selects('no_deploy or chart_deploy and slow', 'no_deploy')).toBe(true);
    expect(selects('(no_deploy or chart_deploy) and slow', 'no_deploy')).toBe(false);
    expect(selects('not not slow', 'slow')).toBe(true);
  });

  test('errors name the problem and the column', () => {
    expect(() => parseMarkerExpression('chart_deploy or (slow', known)).toThrow(/expected "\)" at column 22/);
    expect(() => parseMarkerExpression('slow slow', known)).toThrow(
      /expected "and", "or" or the end of the expression at column 6/,
    );
    expect(() => parseMarkerExpression('slow & fast', known)).toThrow(MarkerError);
    expect(() => parseMarkerExpression('', known)).toThrow(/expected a marker name at column 1/);
  });

  test('whether a selection may include chart_deploy is decided by evaluating it, not by its text', () => {
    const may = (expression: string): boolean =>
      selectionMayInclude(
        markerSelection({ markerExpression: expression, markers: known, selectAll: false }),
        'chart_deploy',
        known,
        ['no_deploy'],
      );
    expect(may('not no_deploy')).toBe(true);
    expect(may('slow')).toBe(true);
    expect(may('not chart_deploy')).toBe(false);
    expect(may('no_deploy')).toBe(false);
    expect(may('chart_deploy and not chart_deploy')).toBe(false);
  });

  test('mark() refuses an unknown marker at definition time', () => {
    expect(() => mark('chart_deploi')).toThrow(/unknown marker "chart_deploi"/);
  });
});
