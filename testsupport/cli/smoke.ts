#!/usr/bin/env node
// `npm run smoke -- --namespace NS [--chart DIR] [--release NAME] [--values FILE]... [--selector LABELS] [--timeout SECONDS]`
// Checks that every container the charts define runs in NS and none waits. Without --chart the expected
// containers come from the manifests of the helm releases deployed in NS (only --release NAME if given).
import { existsSync } from 'node:fs';
import type { KubernetesObject } from '@kubernetes/client-node';
import { expectedContainers } from '../cluster/expected-containers.ts';
import { manifestObjects, readReleaseManifest } from '../cluster/release-manifest.ts';
import { smokeTest } from '../cluster/smoke-test.ts';
import { loadOptions } from '../config/options.ts';
import { ConfigError } from '../errors.ts';
import { HelmChart } from '../helm/helm-chart.ts';
import { HelmTestAdaptor } from '../helm/helm-test-adaptor.ts';
import { LabelSelector } from '../helm/label-selector.ts';
import { checkCluster } from '../kube/cluster-check.ts';
import { kubeClients } from '../kube/kube-clients.ts';
import { runContext } from '../kube/run-context.ts';
import { checkNamespaceArg, parseCliArgs, runCli, UsageError } from './cli-args.ts';

const usage = `usage: npm run smoke -- --namespace NS [--chart DIR] [--release NAME] [--values FILE]... [--selector LABELS] [--timeout SECONDS]
  --chart DIR        expect what DIR renders to (repeatable); default: what the deployed releases' manifests define
  --release NAME     the release name to render with, or the only deployed release to take expectations from
  --selector LABELS  only pods with these labels count, e.g. app.kubernetes.io/instance=NAME`;

const maxTimeoutSeconds = 24 * 3600;

async function main(): Promise<number> {
  const { values } = parseCliArgs({
    options: {
      namespace: { type: 'string', short: 'n' },
      chart: { type: 'string', multiple: true, default: [] },
      release: { type: 'string' },
      values: { type: 'string', multiple: true, default: [] },
      selector: { type: 'string' },
      timeout: { type: 'string', default: '120' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.namespace === undefined) throw new UsageError('--namespace is required');
  const namespace = checkNamespaceArg('--namespace', values.namespace);
  const timeoutSeconds = Number(values.timeout);
  if (!/^\d+(\.\d+)?$/.test(values.timeout ?? '') || !(timeoutSeconds > 0)) {
    throw new UsageError(`--timeout "${values.timeout}" is not a number of seconds`, { hint: 'e.g. --timeout 120' });
  }
  if (timeoutSeconds > maxTimeoutSeconds) {
    throw new UsageError(`--timeout ${values.timeout} is more than a day`, { hint: `at most ${maxTimeoutSeconds}` });
  }
  for (const chart of values.chart ?? []) {
    if (!existsSync(chart))
      throw new UsageError(`--chart ${chart}: no such chart directory (relative paths start at ${process.cwd()})`);
  }
  if (
    values.release !== undefined &&
    !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(values.release)
  ) {
    throw new UsageError(`--release "${values.release}" is not a valid helm release name`, {
      hint: 'lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
    });
  }
  for (const file of values.values ?? []) {
    if (!existsSync(file))
      throw new UsageError(`--values ${file}: no such file (relative paths start at ${process.cwd()})`);
  }
  if (values.selector !== undefined) {
    try {
      LabelSelector.parse(values.selector);
    } catch (error) {
      throw new UsageError(`--selector: ${(error as Error).message}`);
    }
  }
  const options = loadOptions();
  await checkCluster(options);
  const helm = (await HelmTestAdaptor.create()).inNamespace(namespace);
  const documents: KubernetesObject[] = [];
  if (values.chart && values.chart.length > 0) {
    for (const chart of values.chart) {
      const rendered = await HelmChart.render(chart, {
        releaseName: values.release,
        namespace,
        valuesFiles: values.values,
        helm,
      });
      documents.push(...rendered.documents.map((document) => document.object));
    }
  } else {
    const { stdout } = await helm.run(['list', '--output', 'json']);
    const releases = (JSON.parse(stdout) as { name: string; revision: string }[]).filter(
      (release) => !values.release || release.name === values.release,
    );
    if (releases.length === 0) {
      throw new ConfigError(`no helm release${values.release ? ` ${values.release}` : ''} in namespace ${namespace}`, {
        hint: 'pass --chart DIR to say what should run there',
      });
    }
    for (const release of releases) {
      const manifest =
        (await readReleaseManifest(options, namespace, release.name, Number(release.revision))) ??
        (await helm.getManifest(release.name));
      documents.push(...manifestObjects(manifest));
    }
  }
  const nodes = (await kubeClients(options).core.listNode()).items.filter(
    (node) =>
      !node.spec?.unschedulable && node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
  const expected = expectedContainers(documents, { nodes });
  const report = await smokeTest(namespace, expected, {
    timeout: timeoutSeconds * 1000,
    selector: values.selector,
    context: runContext(options),
  });
  console.log(
    `smoke test passed in ${namespace}: ${report.running}/${report.expected} expected containers running, none waiting`,
  );
  return 0;
}

runCli('smoke', usage, main);
