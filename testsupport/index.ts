// The public API of chart-testware: everything a test author imports comes from here.

export { ChartTestwareError, ConfigError } from './errors.ts';
export { loadOptions, type RunOptions, type KeepPolicy } from './config/options.ts';
export { defaults } from './config/defaults.ts';
export { loadKubeConfig } from './kube/kube-config.ts';

// markers and the test context
export { mark, type Marked } from './jest/mark.ts';
export { MarkerError } from './jest/marker-expression.ts';
export { currentTest, onTestFailure, type TestInfo, type FailureHook } from './jest/test-context.ts';
