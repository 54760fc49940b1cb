// The README's no_deploy example, kept here so it is run, not just shown.
import { expect, test } from '@jest/globals';
import { chartPolicyTests, HelmChart, mark } from '../../testsupport/index.ts';

mark('no_deploy').describe('echo-server chart', () => {
  test('runs two replicas of the image it is given, as non-root', async () => {
    const chart = await HelmChart.render('charts/echo-server', { values: { replicaCount: 2 } }); // one helm call
    const deployment = chart.get('Deployment'); // typed V1Deployment; throws unless exactly one
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.template.spec?.securityContext?.runAsNonRoot).toBe(true);
    expect(chart.jsonPath('$..containers[*].image')).toContain('chart-testware.local/echo-server:1.0.0-node24.21-ct1');
  });
});

// Every machine-checkable rule of the SKA chart guidelines, one Jest test per rule ("policy <check-id>"):
chartPolicyTests('charts/echo-server');
