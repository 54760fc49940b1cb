import type {
  CallOptions,
  DependencyBuildOptions,
  GetManifestOptions,
  GetValuesOptions,
  HelmAdaptorOptions,
  HelmTestOptions,
  HistoryOptions,
  InstallOptions,
  LintOptions,
  RollbackOptions,
  TemplateOptions,
  UninstallOptions,
  UpgradeOptions,
  ValuesOptions,
} from './helm-options.ts';
import type { OptionKeys } from './option-keys.ts';

// The keys of each option bag of HelmTestAdaptor, for checkOptionKeys (a typo is refused, not dropped).

const callKeys = { timeout: true, signal: true, namespace: true } as const satisfies OptionKeys<CallOptions>;
const valuesKeys = { values: true, valuesFiles: true } as const satisfies OptionKeys<ValuesOptions>;
export const adaptorKeys = {
  binary: true,
  kubeContext: true,
  kubeconfig: true,
  namespace: true,
  timeout: true,
  env: true,
} as const satisfies OptionKeys<HelmAdaptorOptions>;
export const templateKeys = {
  ...callKeys,
  ...valuesKeys,
  releaseName: true,
  kubeVersion: true,
  apiVersions: true,
  includeCrds: true,
  skipTests: true,
  showOnly: true,
  isUpgrade: true,
  extraArgs: true,
} as const satisfies OptionKeys<TemplateOptions>;
export const installKeys = {
  ...callKeys,
  ...valuesKeys,
  releaseName: true,
  version: true,
  createNamespace: true,
  wait: true,
  waitForJobs: true,
  atomic: true,
  description: true,
  extraArgs: true,
} as const satisfies OptionKeys<InstallOptions>;
const { releaseName: _installOnly, ...installAndUpgradeKeys } = installKeys;
export const upgradeKeys = {
  ...installAndUpgradeKeys,
  install: true,
  reuseValues: true,
  resetValues: true,
  force: true,
} as const satisfies OptionKeys<UpgradeOptions>;
export const rollbackKeys = { ...callKeys, wait: true, force: true } as const satisfies OptionKeys<RollbackOptions>;
export const uninstallKeys = {
  ...callKeys,
  wait: true,
  keepHistory: true,
  ignoreNotFound: true,
} as const satisfies OptionKeys<UninstallOptions>;
export const statusKeys = callKeys satisfies OptionKeys<CallOptions>;
export const helmTestKeys = { ...callKeys, logs: true, filter: true } as const satisfies OptionKeys<HelmTestOptions>;
export const lintKeys = {
  ...callKeys,
  ...valuesKeys,
  strict: true,
  withSubcharts: true,
  kubeVersion: true,
} as const satisfies OptionKeys<LintOptions>;
export const dependencyBuildKeys = {
  ...callKeys,
  skipRefresh: true,
} as const satisfies OptionKeys<DependencyBuildOptions>;
export const historyKeys = { ...callKeys, max: true } as const satisfies OptionKeys<HistoryOptions>;
export const getManifestKeys = { ...callKeys, revision: true } as const satisfies OptionKeys<GetManifestOptions>;
export const getValuesKeys = { ...callKeys, all: true, revision: true } as const satisfies OptionKeys<GetValuesOptions>;
