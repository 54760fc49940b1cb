// Image values are found by the shape of values.yaml, not by knowing the chart.
import { expect } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { parseImageReference } from '../../testsupport/policy/image-reference.ts';
import { imageValueOverrides, mergeValues } from '../../testsupport/policy/image-values.ts';

mark('no_deploy').describe('image values', () => {
  mark('no_deploy').test('finds registry/image/tag maps, repository maps, image strings, registry and tag keys', () => {
    const { changes, override } = imageValueOverrides({
      tangodb: {
        image: {
          registry: 'artefact.skao.int',
          image: 'ska-tango-images-tango-db',
          tag: '10.4.16',
          pullPolicy: 'IfNotPresent',
        },
      },
      redis: { image: { registry: 'docker.io', repository: 'bitnami/redis', tag: '7.2', digest: 'sha256:abc' } },
      nginx: { image: { repository: 'nginx', tag: '' } },
      global: { imageRegistry: '' },
      sidecars: [{ name: 'log', image: 'busybox:1.36' }],
      initImage: 'alpine:3.20',
      imageTag: '1.0',
      replicas: 2,
      name: 'not-an-image',
      podAnnotations: { 'image.example.org/tag': 'x' },
    });
    expect(changes.map((change) => `${change.path}:${change.role}`).sort()).toEqual(
      [
        'tangodb.image.registry:registry',
        'tangodb.image.image:repository',
        'tangodb.image.tag:tag',
        'redis.image.registry:registry',
        'redis.image.repository:repository',
        'redis.image.tag:tag',
        'redis.image.digest:digest',
        'nginx.image.repository:repository',
        'nginx.image.tag:tag',
        'global.imageRegistry:registry',
        'sidecars[0].image:reference',
        'initImage:reference',
        'imageTag:tag',
      ].sort(),
    );
    // Only changed branches are passed, except lists, which helm replaces whole.
    expect(override).not.toHaveProperty('replicas');
    expect(override).not.toHaveProperty('name');
    expect(override).not.toHaveProperty('podAnnotations');
    expect(override).not.toHaveProperty('tangodb.image.pullPolicy');
    expect(override.sidecars).toEqual([{ name: 'log', image: expect.stringMatching(/\.policy\.invalid\//) }]);
    // A repository without a registry key gets a registry of its own, so the registry is seen to change too.
    expect(
      parseImageReference(String((override.nginx as { image: { repository: string } }).image.repository)).registry,
    ).toMatch(/policy\.invalid$/);
    // A digest is emptied so that the changed tag is what the template renders.
    expect((override.redis as { image: { digest: string } }).image.digest).toBe('');
  });

  mark('no_deploy').test(
    'name is the image name only where no repository or image key is: a sidecar keeps its name',
    () => {
      const { override } = imageValueOverrides({
        sidecar: { name: 'logger', repository: 'fluent/fluent-bit', tag: '3.1' },
        busyboxImage: { name: 'busybox', tag: '1.36' },
      });
      expect((override.sidecar as Record<string, unknown>).name).toBeUndefined();
      expect((override.sidecar as Record<string, unknown>).repository).toMatch(/policy\/img/);
      expect((override.busyboxImage as Record<string, unknown>).name).toMatch(/policy\/img/);
    },
  );

  mark('no_deploy').test('values without images give no override', () => {
    expect(imageValueOverrides({ replicas: 1, service: { type: 'ClusterIP', port: 80 } })).toEqual({
      override: {},
      changes: [],
    });
  });

  mark('no_deploy').test('mergeValues merges maps and replaces lists, like helm', () => {
    expect(mergeValues({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({
      a: { b: 1, c: [3] },
      d: 1,
      e: 2,
    });
  });

  mark('no_deploy').test('image references split into registry, repository, tag and digest', () => {
    expect(parseImageReference('nginx')).toEqual({
      registry: undefined,
      repository: 'nginx',
      tag: undefined,
      digest: undefined,
    });
    expect(parseImageReference('bitnami/redis:7.2')).toEqual({
      registry: undefined,
      repository: 'bitnami/redis',
      tag: '7.2',
      digest: undefined,
    });
    expect(parseImageReference('localhost:5000/app:1.0')).toEqual({
      registry: 'localhost:5000',
      repository: 'app',
      tag: '1.0',
      digest: undefined,
    });
    expect(parseImageReference('artefact.skao.int/ska-tango-images/tango-db:10.4.16@sha256:ff')).toEqual({
      registry: 'artefact.skao.int',
      repository: 'ska-tango-images/tango-db',
      tag: '10.4.16',
      digest: 'sha256:ff',
    });
  });
});
