import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { V1PersistentVolume } from '@kubernetes/client-node';
import { execa } from 'execa';
import type { RunOptions } from '../config/options.ts';
import { kubeClients } from '../kube/kube-clients.ts';

/**
 * Data that hostPath and local volumes leave on the node: Kubernetes never deletes it (reclaim policy Delete is
 * not implemented for them), and after an interrupt no chart hook runs either. It is removed from this process,
 * and only when every node of the cluster is this host (the kubelet reports our boot id: the embedded cluster):
 * a cleanup pod would need an image and a privileged hostPath mount on someone else's nodes, which a foreign
 * cluster's policy may rightly refuse, and deleting paths there is not a test runner's business.
 */
export function localBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

const thisHost = new Map<string, Promise<boolean>>();

/** True when the cluster's nodes all run on this host's kernel (same boot id), so their disks are ours. */
export function nodesAreThisHost(options: RunOptions): Promise<boolean> {
  const key = `${options.kubeconfig ?? ''}\u0000${options.kubeContext ?? ''}`;
  let answer = thisHost.get(key);
  if (!answer) {
    answer = kubeClients(options)
      .core.listNode()
      .then(
        (nodes) =>
          nodes.items.length > 0 &&
          !!localBootId() &&
          nodes.items.every((node) => node.status?.nodeInfo?.bootID === localBootId()),
      )
      .catch(() => false);
    thisHost.set(key, answer);
  }
  return answer;
}

/**
 * The node directory of a hostPath or local volume that belongs to `namespace` alone: an absolute path at least
 * three levels deep whose last component contains the namespace's name (tango-base's
 * `/var/lib/chart-testware/volumes/<namespace>-<release>-tangodb`). Anything else (a shared directory, `/data`)
 * is never removed.
 */
export function namespaceDataDir(volume: V1PersistentVolume, namespace: string): string | undefined {
  const dir = volume.spec?.hostPath?.path ?? volume.spec?.local?.path;
  if (!dir || !path.isAbsolute(dir)) return undefined;
  const normal = path.normalize(dir).replace(/\/+$/, '');
  if (normal.split('/').filter(Boolean).length < 3) return undefined;
  return path.basename(normal).includes(namespace) ? normal : undefined;
}

/** Removes the directory (never crossing into another file system); a directory already gone is fine. */
export async function removeNodeData(dir: string): Promise<void> {
  const result = await execa('rm', ['-rf', '--one-file-system', '--', dir], { reject: false });
  if (result.exitCode !== 0) throw new Error(`cannot remove node data ${dir}: ${result.stderr.trim()}`);
}
