import { testKey } from '../jest/run-state.ts';
import { readEventsFiles } from './events-files.ts';
import type { DeploymentRecord } from './run-event.ts';

/** JUnit properties of a test: name/value pairs. */
export type PropertiesOf = (testPath: string, fullName: string) => readonly (readonly [string, string])[];

/**
 * The deployment inventory as JUnit testcase properties: for each release a test installed (itself or in a
 * beforeAll around it) `release` = "ns/name chart-version values sha256:…", one `image` = "image@digest" per
 * container, and the Kubernetes and helm versions.
 */
export function inventoryProperties(reportsDir: string): PropertiesOf {
  const own = new Map<string, DeploymentRecord[]>();
  const hooks: { testPath: string; describePath: string; deployments: DeploymentRecord[] }[] = [];
  for (const { header, events } of readEventsFiles(reportsDir)) {
    const deployments = events.flatMap((event) => (event.deployment ? [event.deployment] : []));
    if (deployments.length === 0) continue;
    if (header.hook) hooks.push({ testPath: header.testPath, describePath: header.describePath ?? '', deployments });
    else own.set(testKey(header.testPath, header.fullName), deployments);
  }
  return (testPath, fullName) => {
    const deployments = [
      ...hooks
        .filter((hook) => hook.testPath === testPath)
        .filter((hook) => hook.describePath === '' || fullName.startsWith(`${hook.describePath} `))
        .flatMap((hook) => hook.deployments),
      ...(own.get(testKey(testPath, fullName)) ?? []),
    ];
    const properties: [string, string][] = [];
    for (const d of deployments) {
      properties.push(['release', `${d.namespace}/${d.release} ${d.chart} values ${d.valuesDigest}`]);
      const images = new Set(d.images.map((image) => `${image.image}@${image.imageID || 'never started'}`));
      for (const image of images) properties.push(['image', image]);
    }
    const first = deployments[0];
    if (first?.kubernetesVersion) properties.push(['kubernetes-version', first.kubernetesVersion]);
    if (first?.helmVersion) properties.push(['helm-version', first.helmVersion]);
    return properties;
  };
}
