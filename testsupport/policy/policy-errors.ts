import { ChartTestwareError } from '../errors.ts';

/** Bad input to the policy checks: no chart at the path, a malformed waivers file, an unknown check id. */
export class PolicyInputError extends ChartTestwareError {}
