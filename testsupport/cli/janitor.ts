#!/usr/bin/env node
// `npm run janitor [-- --dry-run] [--no-wait] [--force NAMESPACE...]`: deletes the namespaces of chart-testware runs
// that are dead (past expires-at, their runner on this host gone, or their heartbeat Lease stale), with their
// cluster-scoped leftovers and node data; prints the live ones it left alone and why.
import { deleteNamespaces, type SweepResult, sweepNamespaces } from '../cluster/namespace-cleanup.ts';
import { isOurs } from '../cluster/namespace-ownership.ts';
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
  const sweep = await sweepNamespaces(options, { wait, dryRun: values['dry-run'] });
  if (forced.length > 0 && !values['dry-run']) await deleteNamespaces(options, forced, { wait });
  printSweep(sweep, forced, values['dry-run'] ? 'would delete' : wait ? 'deleted' : 'deleting');
  return 0;
}

/** One line per namespace deleted or left alone, each with the reason (see namespaceLiveness). */
function printSweep(sweep: SweepResult, forced: readonly string[], verb: string): void {
  const deleted = [
    ...sweep.deleted.filter((d) => !forced.includes(d.name)),
    ...forced.map((name) => ({ name, reason: '--force' })),
  ];
  if (deleted.length === 0) console.log('janitor: no expired chart-testware namespace');
  for (const { name, reason } of deleted) console.log(`janitor: ${verb} ${name}: ${reason}`);
  for (const { name, reason } of sweep.leftAlone.filter((l) => !forced.includes(l.name)))
    console.log(`janitor: left alone ${name}: ${reason}`);
  for (const object of sweep.orphans)
    console.log(`janitor: ${verb} ${object} left by a namespace that is gone (a clean-up that did not finish)`);
  for (const line of sweep.nodeDataLeft) console.log(`janitor: node data left: ${line}`);
}

runCli('janitor', usage, main);
