#!/usr/bin/env node
// `npm run janitor [-- --dry-run] [--no-wait] [--force NAMESPACE...]`: deletes the namespaces of chart-testware runs
// that expired (past expires-at, or their run's process on this host is gone), with their cluster-scoped leftovers.
import { deleteExpiredNamespaces, deleteNamespaces, isOurs } from '../cluster/job-namespace.ts';
import { loadOptions } from '../config/options.ts';
import { ConfigError } from '../errors.ts';
import { checkCluster } from '../kube/cluster-check.ts';
import { apiStatus, kubeClients } from '../kube/kube-clients.ts';
import { checkNamespaceArg, parseCliArgs, runCli } from './cli-args.ts';

const usage = `usage: npm run janitor -- [--dry-run] [--no-wait] [--force NAMESPACE]...
  Deletes namespaces labelled app.kubernetes.io/managed-by=chart-testware whose run expired or died.
  --force NAMESPACE  also delete this namespace of ours even if its run looks alive (never one that is not ours)`;

async function main(): Promise<number> {
  const { values } = parseCliArgs({
    options: {
      'dry-run': { type: 'boolean', default: false },
      'no-wait': { type: 'boolean', default: false },
      force: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  for (const name of values.force ?? []) checkNamespaceArg('--force', name);
  const options = loadOptions();
  await checkCluster(options);
  const forced: string[] = [];
  for (const name of values.force ?? []) {
    const ns = await kubeClients(options)
      .core.readNamespace({ name })
      .catch((error: unknown) => {
        if (apiStatus(error) === 404) return undefined;
        throw error;
      });
    if (!ns) {
      console.log(`namespace ${name} does not exist`);
      continue;
    }
    if (!isOurs(ns))
      throw new ConfigError(`namespace ${name} was not created by chart-testware; the janitor leaves it alone`);
    forced.push(name);
  }
  const wait = !values['no-wait'];
  const expired = await deleteExpiredNamespaces(options, { wait, dryRun: values['dry-run'] });
  if (forced.length > 0 && !values['dry-run']) await deleteNamespaces(options, forced, { wait });
  const all = [...new Set([...expired, ...forced])];
  const verb = values['dry-run'] ? 'would delete' : wait ? 'deleted' : 'deleting';
  console.log(all.length > 0 ? `janitor: ${verb} ${all.join(', ')}` : 'janitor: no expired chart-testware namespace');
  return 0;
}

runCli('janitor', usage, main);
