import path from 'node:path';
import { chartDirsUnder } from '../helm/chart-dirs.ts';
import { chartNameIn } from '../helm/chart-files.ts';

/** Chart folders under `root`, relative to it ("." for root itself), nearest first. */
export function findCharts(root: string, depth = 3): string[] {
  const found = chartDirsUnder(root, depth).map((dir) => path.relative(root, dir) || '.');
  return found.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

/** The chart's name in Chart.yaml, else its folder's. */
export function chartName(root: string, chartDir: string): string {
  const directory = path.resolve(root, chartDir);
  return chartNameIn(directory) ?? path.basename(directory);
}

export interface InitTarget {
  /** The chart's folder relative to the repository root ("." when the repository is the chart). */
  chartDir: string;
  chartName: string;
}

/** Relative path → content of every file `chart-testware init` writes. */
export function initFiles({ chartDir, chartName }: InitTarget): Record<string, string> {
  const slug = chartName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const chart = JSON.stringify(chartDir).replaceAll('"', "'");
  return {
    'jest.config.mjs': `// Jest on chart-testware's preset: ESM TypeScript tests, markers, job namespaces, diagnostics.
// Run the tests with \`npx chart-testware\` (markers, clean-up on Ctrl-C/SIGTERM, the quarantine exit code) or
// with plain \`npx jest\` (what IDEs run; set NODE_OPTIONS=--experimental-vm-modules, see chart-testware's README).
export default {
  preset: 'chart-testware',
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
};
`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2023',
          lib: ['ES2023', 'ESNext.Disposable'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          allowImportingTsExtensions: true,
          noEmit: true,
          skipLibCheck: true,
        },
        include: ['tests'],
      },
      null,
      2,
    )}\n`,
    'chart-testware.json': `${JSON.stringify({ markers: {} }, null, 2)}\n`,
    [`tests/${slug}-render.test.ts`]: `import { expect, test } from '@jest/globals';
import { chartPolicyTests, HelmChart, mark } from 'chart-testware';

const chart = ${chart};

mark('no_deploy').describe('${chartName} chart', () => {
  test('renders with its default values, every document a named object', async () => {
    const rendered = await HelmChart.render(chart); // one helm call; queries need no cluster
    expect(rendered.documents.length).toBeGreaterThan(0);
    for (const { object } of rendered.documents) {
      expect(object.kind).toEqual(expect.any(String));
      expect(object.metadata?.name).toEqual(expect.any(String));
    }
  });
});

// Every machine-checkable rule of the chart guidelines, one test per rule. Quarantined to start with: failures are
// reported (and in JUnit) but never fail the run. Take 'quarantine' away once the chart passes them.
mark('quarantine').describe('${chartName} chart policy', () => {
  chartPolicyTests(chart);
});
`,
    [`tests/${slug}-deploy.test.ts`]: `import { expect, test } from '@jest/globals';
import { ChartDeployment, mark } from 'chart-testware';

mark('chart_deploy').describe('${chartName} release', () => {
  test('installs into the job namespace and becomes ready', async () => {
    // waits on watches for every object of the release; fails fast with the kubelet's reason (bad image, crash loop)
    await using release = await ChartDeployment.install(${chart});
    expect((await release.status()).status).toBe('deployed');
    expect(await release.objects()).not.toHaveLength(0);
  }, 300_000);
});
`,
    '.gitlab-ci.yml': `# chart-testware's jobs for the three stages: render tests in static analysis, deploy tests in their own
# job namespace, and quarantined tests that never fail the pipeline.
variables:
  CHART_TESTWARE_NAMESPACE: ci-$CI_JOB_ID

stages: [static_analysis, unit_test]

.chart-testware:
  image: node:24-bookworm
  before_script: [npm ci]
  artifacts:
    when: always
    paths: [reports/]
    reports:
      junit: reports/junit.xml

helm-template:
  extends: .chart-testware
  stage: static_analysis
  script: npx chart-testware --marker "no_deploy and not quarantine" --local-cluster never

chart:
  extends: .chart-testware
  stage: unit_test
  script: npx chart-testware --marker "chart_deploy and not quarantine" --local-cluster never   # the runner's kubeconfig

chart-quarantine:
  extends: .chart-testware
  stage: unit_test
  allow_failure: true
  script: npx chart-testware --marker quarantine --local-cluster never
`,
  };
}
