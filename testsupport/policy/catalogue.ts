import { chartChecks } from './checks/chart-checks.ts';
import { containerChecks } from './checks/container-checks.ts';
import { helmTestChecks } from './checks/helm-test-checks.ts';
import { imageChecks } from './checks/image-checks.ts';
import { metadataChecks } from './checks/metadata-checks.ts';
import { securityChecks } from './checks/security-checks.ts';
import { serviceChecks } from './checks/service-checks.ts';
import { storageChecks } from './checks/storage-checks.ts';
import { valuesChecks } from './checks/values-checks.ts';
import { yamlChecks } from './checks/yaml-checks.ts';
import type { PolicyCheck } from './policy-check.ts';

/** Every check, in the order the reports list them. */
export const policyCatalogue: readonly PolicyCheck[] = Object.freeze([
  ...chartChecks,
  ...valuesChecks,
  ...metadataChecks,
  ...yamlChecks,
  ...imageChecks,
  ...containerChecks,
  ...serviceChecks,
  ...storageChecks,
  ...securityChecks,
  ...helmTestChecks,
]);
