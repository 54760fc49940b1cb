import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { knownMarkers } from './defaults.ts';
import { didYouMean } from './did-you-mean.ts';
import { parseReadinessRules, type ReadinessRuleConfig } from './readiness-config.ts';

/** chart-testware.json: the project's own markers, `{ "markers": { "<name>": "<what it means>" } }`. */
export interface ConfigFile {
  readonly markers: Readonly<Record<string, string>>;
  /** Readiness rules by kind (see readiness-config.ts); [] when not given. */
  readonly readiness?: readonly ReadinessRuleConfig[];
}

const configKeys = ['markers', 'readiness'] as const;
const example = 'e.g. { "markers": { "slow": "takes over a minute" } }';
/** A name a marker expression can spell: what the expression tokenizer reads as one name, not a keyword. */
const markerName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const keywords = new Set(['and', 'or', 'not']);

/** Reads and checks chart-testware.json in `cwd` (no file: no extra markers). Every mistake names its key. */
export function readConfigFile(cwd: string): ConfigFile {
  const file = path.join(cwd, 'chart-testware.json');
  if (!existsSync(file)) return { markers: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, {
      hint: `fix the file, ${example}`,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`${file} must hold a JSON object, not ${describe(parsed)}`, { hint: example });
  }
  for (const key of Object.keys(parsed)) {
    if (!(configKeys as readonly string[]).includes(key)) {
      const guess = didYouMean(key, configKeys);
      throw new ConfigError(`${file}: unknown key "${key}"${guess ? `; ${guess}` : ''}`, {
        hint: `the keys it knows: ${configKeys.join(', ')}; ${example}`,
      });
    }
  }
  const readiness = parseReadinessRules((parsed as { readiness?: unknown }).readiness, file);
  const markers = (parsed as { markers?: unknown }).markers;
  if (markers === undefined) return { markers: {}, readiness };
  if (markers === null || typeof markers !== 'object' || Array.isArray(markers)) {
    throw new ConfigError(
      `${file}: "markers" must be an object of marker name to description, not ${describe(markers)}`,
      {
        hint: example,
      },
    );
  }
  for (const [name, description] of Object.entries(markers)) {
    if (!markerName.test(name) || keywords.has(name)) {
      throw new ConfigError(`${file}: marker "${name}" under "markers" is a name no --marker expression can use`, {
        hint: 'marker names are letters, digits and "_", not starting with a digit, and not and / or / not (e.g. my_marker)',
      });
    }
    if (typeof description !== 'string') {
      throw new ConfigError(
        `${file}: "markers.${name}" must be a string that says what the marker means, not ${describe(description)}`,
        {
          hint: example,
        },
      );
    }
  }
  return { markers: markers as Record<string, string>, readiness };
}

/** Every marker a test may use: the built-in ones, then the project's. */
export function markersOf(config: ConfigFile): readonly string[] {
  return [...new Set([...knownMarkers, ...Object.keys(config.markers)])];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string'
    ? `the string ${JSON.stringify(value)}`
    : `${typeof value === 'object' ? 'an' : 'a'} ${typeof value}`;
}
