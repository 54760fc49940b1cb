import { type JsonMap, listAt, mapsAt, textAt } from '../json-access.ts';
import type { FindingDraft, PolicyCheck } from '../policy-check.ts';
import { findingAt, type PolicyContext, type PolicyObject } from '../policy-context.ts';

const section = 'Templating the Application > Storage';

const ofKind = (context: PolicyContext, kind: string): PolicyObject[] =>
  context.objects.filter((object) => object.kind === kind);

export const pvReclaimDelete: PolicyCheck = {
  id: 'pv-reclaim-delete',
  severity: 'error',
  rule: 'PersistentVolumes are ephemeral: persistentVolumeReclaimPolicy: Delete.',
  section,
  needs: ['render'],
  run(context) {
    return ofKind(context, 'PersistentVolume').flatMap((pv) => {
      const policy = textAt(pv.object, 'spec', 'persistentVolumeReclaimPolicy');
      return policy === 'Delete'
        ? []
        : [
            findingAt(
              pv,
              policy
                ? `persistentVolumeReclaimPolicy is ${policy}`
                : 'persistentVolumeReclaimPolicy is not set (Retain for a static PV)',
              'set persistentVolumeReclaimPolicy: Delete',
            ),
          ];
    });
  },
};

export const pvExplicitModes: PolicyCheck = {
  id: 'pv-explicit-modes',
  severity: 'error',
  rule: 'PersistentVolumes set volumeMode, accessModes and storageClassName explicitly.',
  section,
  needs: ['render'],
  run(context) {
    return ofKind(context, 'PersistentVolume').flatMap((pv) => {
      const missing = [
        textAt(pv.object, 'spec', 'volumeMode') === undefined ? 'volumeMode (Filesystem or Block)' : undefined,
        listAt(pv.object, 'spec', 'accessModes').length === 0 ? 'accessModes' : undefined,
        textAt(pv.object, 'spec', 'storageClassName') === undefined ? 'storageClassName' : undefined,
      ].filter((field): field is string => field !== undefined);
      return missing.length === 0
        ? []
        : [
            findingAt(
              pv,
              `PersistentVolume does not set ${missing.join(', ')}`,
              'set spec.volumeMode: Filesystem, spec.accessModes: [ReadWriteOnce] and spec.storageClassName (from values, default standard)',
            ),
          ];
    });
  },
};

function claims(context: PolicyContext): { owner: PolicyObject; claim: JsonMap; label: string }[] {
  const found: { owner: PolicyObject; claim: JsonMap; label: string }[] = [];
  for (const object of context.objects) {
    if (object.kind === 'PersistentVolumeClaim')
      found.push({ owner: object, claim: object.object, label: 'PersistentVolumeClaim' });
    for (const template of mapsAt(object.object, 'spec', 'volumeClaimTemplates')) {
      found.push({
        owner: object,
        claim: template,
        label: `volumeClaimTemplate "${textAt(template, 'metadata', 'name') ?? '?'}"`,
      });
    }
  }
  return found;
}

export const pvcStorageClass: PolicyCheck = {
  id: 'pvc-storage-class',
  severity: 'error',
  rule: 'PersistentVolumeClaims (and volumeClaimTemplates) set storageClassName.',
  section,
  needs: ['render'],
  run(context) {
    return claims(context)
      .filter(({ claim }) => textAt(claim, 'spec', 'storageClassName') === undefined)
      .map(({ owner, label }) =>
        findingAt(
          owner,
          `${label} does not set storageClassName (it binds to whatever the cluster default is)`,
          'set spec.storageClassName from values (default standard), matching the PersistentVolume',
        ),
      );
  },
};

export const pvcVolumeName: PolicyCheck = {
  id: 'pvc-volume-name',
  severity: 'error',
  rule: "When a chart defines PersistentVolumes, its claims bind to one by volumeName (or a PV's claimRef names the claim).",
  section,
  needs: ['render'],
  run(context) {
    const chartOf = (object: PolicyObject): string => object.template.split('/templates/')[0] ?? '';
    const findings: FindingDraft[] = [];
    for (const pvc of ofKind(context, 'PersistentVolumeClaim')) {
      // A subchart's claims are judged against the subchart's own volumes.
      const volumes = ofKind(context, 'PersistentVolume').filter((pv) => chartOf(pv) === chartOf(pvc));
      if (volumes.length === 0) continue;
      const names = new Set(volumes.map((pv) => pv.name));
      const volumeName = textAt(pvc.object, 'spec', 'volumeName');
      // A PV whose claimRef names this claim binds it just as explicitly, from the volume's side (which also
      // works with volumeBindingMode WaitForFirstConsumer).
      const claimedBy = volumes.find(
        (pv) =>
          textAt(pv.object, 'spec', 'claimRef', 'name') === pvc.name &&
          [undefined, context.namespace].includes(textAt(pv.object, 'spec', 'claimRef', 'namespace')),
      );
      if (volumeName === undefined && claimedBy) continue;
      if (volumeName === undefined) {
        findings.push(
          findingAt(
            pvc,
            `the chart defines PersistentVolume(s) ${[...names].join(', ')} but this claim sets no volumeName and no PV's claimRef names it`,
            'set spec.volumeName to the PersistentVolume this claim is for (or spec.claimRef on that PersistentVolume)',
          ),
        );
      } else if (!names.has(volumeName) && volumes.some((pv) => pv.template === pvc.template)) {
        findings.push(
          findingAt(
            pvc,
            `volumeName "${volumeName}" names no PersistentVolume of the chart (it has ${[...names].join(', ')})`,
            'make volumeName equal to the name of the PersistentVolume in the same template',
          ),
        );
      }
    }
    return findings;
  },
};

export const storageChecks: readonly PolicyCheck[] = [pvReclaimDelete, pvExplicitModes, pvcStorageClass, pvcVolumeName];
