import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { DeploymentRecord } from '../record/run-event.ts';
import { safeName } from '../record/safe-name.ts';
import { readEventsFiles } from './events-files.ts';
import { testKey } from './run-state.ts';

/** JUnit properties of a test: name/value pairs. */
export type PropertiesOf = (testPath: string, fullName: string) => readonly (readonly [string, string])[];

/** What the run report adds to JUnit: testcase properties, and the diagnostics of a file's failed afterAll. */
export interface JunitExtras {
  readonly properties?: PropertiesOf;
  /** The folders an afterAll of this file saved diagnostics into. */
  readonly hookArtifacts?: (testPath: string) => readonly string[];
}

/** The afterAll diagnostics folders of a file, from <reportsDir>/artifacts/<file>/afterAll*. */
export function afterAllArtifacts(reportsDir: string, rootDir: string): (testPath: string) => string[] {
  return (testPath) => {
    const dir = path.join(reportsDir, 'artifacts', safeName(path.relative(rootDir, testPath)));
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.startsWith('afterAll'))
      .map((name) => path.join(dir, name));
  };
}

/** GitLab attachment lines for the "(test file)" testcase of a file that failed outside its tests. */
export function hookArtifacts(extras: JunitExtras, testPath: string, rootDir: string): string {
  const dirs = extras.hookArtifacts?.(testPath) ?? [];
  if (dirs.length === 0) return '';
  const lines = dirs.map((dir) => `[[ATTACHMENT|${path.relative(rootDir, dir)}]]`).join('\n');
  return `<system-out>${lines.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</system-out>`;
}

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
