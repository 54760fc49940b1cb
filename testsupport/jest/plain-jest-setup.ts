import { randomBytes } from 'node:crypto';
import { optionsEnvVar } from '../config/options.ts';

/**
 * Jest globalSetup of the preset, for runs without the `chart-testware` command (plain `npx jest`, an IDE): one run
 * id for every worker, so they share one job namespace. Under the command it does nothing (the runner did it).
 */
export default function plainJestSetup(): void {
  if (process.env[optionsEnvVar]) return;
  process.env.CHART_TESTWARE_RUN_ID ??= `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
