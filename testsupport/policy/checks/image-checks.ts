import { parseImageReference } from '../image-reference.ts';
import { textAt } from '../json-access.ts';
import type { FindingDraft, PolicyCheck } from '../policy-check.ts';
import { findingAt, type PolicyObject } from '../policy-context.ts';
import { type ContainerAt, containersOf, describeContainer } from '../workloads.ts';

const section = 'Scheduling and running cloud native application suites > Images, Tags, and pullPolicy';

function eachContainer(
  objects: readonly PolicyObject[],
  visit: (container: ContainerAt, object: PolicyObject) => FindingDraft | undefined,
): FindingDraft[] {
  return objects.flatMap((object) => containersOf(object).flatMap((container) => visit(container, object) ?? []));
}

export const imageTagExplicit: PolicyCheck = {
  id: 'image-tag-explicit',
  severity: 'error',
  rule: 'Every container image has an explicit tag (or digest), and the tag is not `latest`.',
  section,
  needs: ['render'],
  run(context) {
    return eachContainer(context.objects, (container, object) => {
      const image = textAt(container.container, 'image');
      if (image === undefined || image.trim() === '') {
        return findingAt(
          object,
          `${describeContainer(container)} has no image`,
          'set image: "{{ .Values.image.registry }}/{{ .Values.image.image }}:{{ .Values.image.tag }}"',
        );
      }
      const reference = parseImageReference(image);
      if (reference.digest) return undefined;
      if (!reference.tag) {
        return findingAt(
          object,
          `${describeContainer(container)} uses image "${image}" with no tag (that means latest)`,
          'add an explicit version tag from values, e.g. :{{ .Values.image.tag | default .Chart.AppVersion }}',
        );
      }
      if (reference.tag.toLowerCase() === 'latest') {
        return findingAt(
          object,
          `${describeContainer(container)} uses image "${image}" with the tag latest`,
          'pin a released version (at least MAJOR.MINOR) in values.yaml',
        );
      }
      return undefined;
    });
  },
};

export const imageTagStable: PolicyCheck = {
  id: 'image-tag-stable',
  severity: 'warning',
  rule: 'Image tags name at least a MAJOR.MINOR version (e.g. mysql:5.7), not a branch or a floating word.',
  section,
  needs: ['render'],
  run(context) {
    return eachContainer(context.objects, (container, object) => {
      const image = textAt(container.container, 'image');
      if (!image) return undefined;
      const reference = parseImageReference(image);
      if (reference.digest || !reference.tag || reference.tag.toLowerCase() === 'latest') return undefined;
      return /\d+\.\d+/.test(reference.tag)
        ? undefined
        : findingAt(
            object,
            `${describeContainer(container)} uses image "${image}" whose tag "${reference.tag}" names no MAJOR.MINOR version`,
            'use a version tag such as 1.4 or 1.4.2 (optionally with a suffix like -alpine)',
          );
    });
  },
};

export const imagePullPolicySet: PolicyCheck = {
  id: 'image-pull-policy-set',
  severity: 'error',
  rule: 'Every container sets imagePullPolicy (from values), so pulling can be switched per environment.',
  section,
  needs: ['render'],
  run(context) {
    return eachContainer(context.objects, (container, object) =>
      textAt(container.container, 'imagePullPolicy')
        ? undefined
        : findingAt(
            object,
            `${describeContainer(container)} sets no imagePullPolicy`,
            'add imagePullPolicy: {{ .Values.image.pullPolicy }} (IfNotPresent by default)',
          ),
    );
  },
};

function containerKey(object: PolicyObject, container: ContainerAt): string {
  return `${object.template}\0${object.kind}\0${object.name}\0${container.type}\0${container.name}`;
}

export const imageParameterised: PolicyCheck = {
  id: 'image-parameterised',
  severity: 'error',
  rule: 'Registry, image and tag of every container come from values: changing every image value changes every image.',
  section,
  needs: ['render', 'imageRender'],
  run(context) {
    const changedImages = new Map<string, string | undefined>();
    for (const object of context.imageRender.objects) {
      for (const container of containersOf(object)) {
        changedImages.set(containerKey(object, container), textAt(container.container, 'image'));
      }
    }
    const changedPaths = context.imageRender.changes.map((change) => change.path);
    const tried =
      changedPaths.length === 0
        ? 'values.yaml has no image values at all'
        : `changed ${changedPaths.length} image value(s): ${changedPaths.slice(0, 6).join(', ')}${changedPaths.length > 6 ? ', ...' : ''}`;
    return eachContainer(context.objects, (container, object) => {
      const before = textAt(container.container, 'image');
      const key = containerKey(object, container);
      if (!before || !changedImages.has(key)) return undefined;
      const after = changedImages.get(key) ?? '';
      const a = parseImageReference(before);
      const b = parseImageReference(after);
      const fixed: string[] = [];
      if ((a.registry ?? 'docker.io') === (b.registry ?? 'docker.io')) fixed.push('registry');
      if (a.repository === b.repository) fixed.push('image');
      if ((a.tag ?? '') === (b.tag ?? '') && (a.digest ?? '') === (b.digest ?? '')) fixed.push('tag');
      if (fixed.length === 0) return undefined;
      return findingAt(
        object,
        `${describeContainer(container)}: the ${fixed.join(', ')} of image "${before}" stayed the same when every image value was changed (${tried})`,
        'template the image from values: image: "{{ .Values.<component>.image.registry }}/{{ .Values.<component>.image.image }}:{{ .Values.<component>.image.tag }}"',
      );
    });
  },
};

export const imageChecks: readonly PolicyCheck[] = [
  imageTagExplicit,
  imageTagStable,
  imagePullPolicySet,
  imageParameterised,
];
