import type { RunOptions } from '../config/options.ts';
import { defaultMarkerExpression, parseMarkerExpression } from '../context/marker-expression.ts';

export interface MarkerSelection {
  /** What the selection is, as a person reads it. */
  readonly description: string;
  readonly selects: (markers: ReadonlySet<string>) => boolean;
}

/** The tests a run selects: --all, the --marker expression, or by default everything but quarantine. */
export function markerSelection(
  options: Pick<RunOptions, 'markerExpression' | 'markers' | 'selectAll'> & Partial<Pick<RunOptions, 'sources'>>,
): MarkerSelection {
  if (options.selectAll) return { description: 'all tests (--all)', selects: () => true };
  const source = options.markerExpression ?? defaultMarkerExpression;
  const givenAs = options.sources?.marker === 'CHART_TESTWARE_MARKER' ? 'CHART_TESTWARE_MARKER' : '--marker';
  const parsed = parseMarkerExpression(source, options.markers, givenAs);
  return { description: `${givenAs} "${source}"`, selects: parsed.matches };
}

/**
 * Whether any test carrying `marker` could be selected, whatever other markers it has (but `exclusive` ones,
 * which never stand beside it): decided by evaluating the expression, not by looking for the word in its text.
 */
export function selectionMayInclude(
  selection: MarkerSelection,
  marker: string,
  knownMarkers: readonly string[],
  exclusive: readonly string[] = [],
): boolean {
  const others = knownMarkers.filter((known) => known !== marker && !exclusive.includes(known)).slice(0, 12);
  for (let subset = 0; subset < 1 << others.length; subset++) {
    const markers = new Set([marker, ...others.filter((_, bit) => subset & (1 << bit))]);
    if (selection.selects(markers)) return true;
  }
  return false;
}
