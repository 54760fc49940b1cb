import path from 'node:path';

/** The fixture charts of the policy tests. */
export const fixtures = path.resolve(import.meta.dirname, '..', 'fixtures', 'policy');

export function fixtureChart(name: string): string {
  return path.join(fixtures, name);
}
