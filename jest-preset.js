// chart-testware's Jest preset, for a project's Jest config: `export default { preset: 'chart-testware' }`.
import { jestPreset } from './dist/testsupport/jest/jest-preset.js';

export default jestPreset();
