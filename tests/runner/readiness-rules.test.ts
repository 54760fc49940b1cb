// Readiness rules without a cluster: the JSONPath predicate evaluator, chart-testware.json's "readiness" list (every
// mistake naming readiness[i].<key>), the per-call rules, and the conventions custom resources are judged by.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ChartNotReadyError } from '../../testsupport/cluster/chart-not-ready-error.ts';
import { CustomReadiness } from '../../testsupport/cluster/custom-readiness.ts';
import { conventionReadiness } from '../../testsupport/cluster/readiness-conventions.ts';
import { compileRules } from '../../testsupport/cluster/readiness-rules.ts';
import { readConfigFile } from '../../testsupport/config/config-file.ts';
import { parseJsonPathPredicate } from '../../testsupport/config/json-path-predicate.ts';
import { resolveOptions } from '../../testsupport/config/options.ts';
import { ConfigError, mark } from '../../testsupport/index.ts';

const deviceServer = {
  apiVersion: 'tango.tango-controls.org/v1',
  kind: 'DeviceServer',
  metadata: { name: 'tg', generation: 2 },
  status: {
    state: 'Running',
    replicas: 3,
    ok: true,
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'Stalled', status: 'False' },
    ],
  },
};

function projectWithConfig(config: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'readiness-config-'));
  writeFileSync(path.join(dir, 'chart-testware.json'), JSON.stringify(config));
  return dir;
}

mark('no_deploy').describe('JSONPath predicates', () => {
  test.each([
    ["$.status.state == 'Running'", true],
    ['$.status.state == "Running"', true],
    ["$.status.state != 'Running'", false],
    ["$['status']['state'] == 'Running'", true],
    ['$.status.replicas >= 3', true],
    ['$.status.replicas > 3', false],
    ['$.status.replicas < 10', true],
    ["$.status.replicas == '3'", false],
    ['$.status.ok == true', true],
    ['$.status.ok', true],
    ['$.status.missing', false],
    ["$.status.missing != 'x'", false],
    ["$.status.conditions[?(@.type == 'Ready')].status == 'True'", true],
    ["$.status.conditions[?(@.type == 'Stalled')].status == 'True'", false],
    ["$.status.conditions[0].type == 'Ready'", true],
    ["$.status.conditions[*].status == 'False'", true],
    ['$.metadata.generation <= 1', false],
  ])('%s is %s', (source, expected) => {
    expect(parseJsonPathPredicate(source).test(deviceServer)).toBe(expected);
  });

  test('values() gives what the path reaches, for messages', () => {
    expect(parseJsonPathPredicate("$.status.state == 'Error'").values(deviceServer)).toEqual(['Running']);
    expect(parseJsonPathPredicate('$.status.conditions[*].type').values(deviceServer)).toEqual(['Ready', 'Stalled']);
  });

  test.each([
    ['', /empty/],
    ["status.state == 'Running'", /must start at the root "\$"/],
    ["$.status.state = 'Running'", /use "==" to compare/],
    ['$.status.state == Running', /expected a literal/],
    ["$.status.state == 'Running", /not closed/],
    ["$.status.state == 'a' extra", /unexpected text after the comparison/],
    ['$.status[', /inside "\[\.\.\.\]"/],
    ["$.status.conditions[?(@.type == 'Ready']", /expected "\)" to close the filter/],
    ['$.status.', /expected a field name/],
  ])('%j is refused: %s', (source, message) => {
    expect(() => parseJsonPathPredicate(source)).toThrow(message);
  });

  test('nothing in a predicate runs as code', () => {
    expect(() => parseJsonPathPredicate('$.status.state == process.exit(1)')).toThrow(/expected a literal/);
    expect(() => parseJsonPathPredicate('$.constructor.constructor("return 1")()')).toThrow();
    expect(parseJsonPathPredicate('$.constructor').test(deviceServer)).toBe(false);
  });
});

mark('no_deploy').describe('chart-testware.json "readiness" rules', () => {
  test('good rules are read into the run options', () => {
    const rules = [
      {
        kind: 'DeviceServer',
        group: 'tango.tango-controls.org',
        ready: "$.status.state == 'Running'",
        failed: "$.status.state == 'Error'",
      },
      { kind: 'Gizmo', ignore: true },
    ];
    const cwd = projectWithConfig({ readiness: rules });
    expect(readConfigFile(cwd).readiness).toEqual(rules);
    expect(resolveOptions({}, {}, cwd).readiness).toEqual(rules);
  });

  test.each([
    [{ readiness: { kind: 'X' } }, /"readiness" must be a list of rules, not an object/],
    [{ readiness: ['X'] }, /readiness\[0\] must be an object, not the string "X"/],
    [
      { readiness: [{ kind: 'deviceserver', ignore: true }] },
      /readiness\[0\]\.kind must name a kind as the API spells it/,
    ],
    [
      {
        readiness: [
          { kind: 'X', ignore: true },
          { kind: 'Y', redy: '$.a' },
        ],
      },
      /readiness\[1\] has an unknown key "redy"; did you mean ready\?/,
    ],
    [
      { readiness: [{ kind: 'X', ready: 5 }] },
      /readiness\[0\]\.ready must be a JSONPath predicate string, not a number/,
    ],
    [
      { readiness: [{ kind: 'X', failed: "$.status.state = 'Error'" }] },
      /readiness\[0\]\.failed "\$\.status\.state = 'Error'" is not a JSONPath predicate: use "==" to compare/,
    ],
    [{ readiness: [{ kind: 'X', group: 'Not A Group', ignore: true }] }, /readiness\[0\]\.group must be an API group/],
    [{ readiness: [{ kind: 'X', ignore: 'yes' }] }, /readiness\[0\]\.ignore must be true or false/],
    [{ readiness: [{ kind: 'X' }] }, /readiness\[0\] for X says nothing: give "ready", "failed" or "ignore": true/],
    [
      { readiness: [{ kind: 'X', ignore: true, ready: '$.a' }] },
      /readiness\[0\] both ignores X and gives it a "ready"\/"failed" predicate/,
    ],
  ])('%j: %s', (config, message) => {
    const cwd = projectWithConfig(config);
    expect(() => readConfigFile(cwd)).toThrow(ConfigError);
    expect(() => resolveOptions({}, {}, cwd)).toThrow(message);
  });

  test("a per-call rule's mistakes name the option, and functions are accepted", () => {
    expect(() => compileRules([{ kind: 'X', ready: '$.a ==' }])).toThrow(
      /the readiness option: readiness\[0\]\.ready "\$\.a ==" is not a JSONPath predicate/,
    );
    const [rule] = compileRules([
      {
        kind: 'X',
        ready: (object) => ({
          ready: false,
          reason: `state ${(object as { status?: { state?: string } }).status?.state}`,
        }),
      },
    ]);
    expect(rule?.readiness(deviceServer)).toEqual({
      ready: false,
      waitingFor: 'state Running (readiness[0] of the call)',
    });
  });

  test("the call's rules come before the config's; the group must match when given", () => {
    const rules = compileRules(
      [{ kind: 'DeviceServer', ready: '$.status.replicas > 5' }],
      [
        { kind: 'DeviceServer', group: 'tango.tango-controls.org', ready: "$.status.state == 'Running'" },
        { kind: 'Gizmo', group: 'ct.example.org', ignore: true },
      ],
    );
    const first = rules.find((rule) => rule.matches('DeviceServer', 'tango.tango-controls.org'));
    expect(first?.origin).toBe('readiness[0] of the call');
    expect(first?.readiness(deviceServer)).toEqual({
      ready: false,
      waitingFor: 'waiting for $.status.replicas > 5 (readiness[0] of the call); $.status.replicas is 3',
    });
    expect(rules.some((rule) => rule.matches('Gizmo', 'other.example.org'))).toBe(false);
  });

  test("a failed predicate's message is the status.message, or the rule's message path", () => {
    const failing = {
      ...deviceServer,
      status: { state: 'Error', message: 'no such device', detail: { text: 'db down' } },
    };
    const [plain, withPath] = compileRules([
      { kind: 'A', failed: "$.status.state == 'Error'" },
      { kind: 'B', failed: "$.status.state == 'Error'", message: '$.status.detail.text' },
    ]);
    expect(plain?.failure(failing)).toBe("$.status.state == 'Error' holds (readiness[0] of the call): no such device");
    expect(withPath?.failure(failing)).toBe("$.status.state == 'Error' holds (readiness[1] of the call): db down");
    expect(plain?.failure(deviceServer)).toBeUndefined();
  });
});

mark('no_deploy').describe('the conventions for custom resources (kstatus-like)', () => {
  const object = (status: unknown, generation = 3): KubernetesObject =>
    ({ apiVersion: 'x.example.org/v1', kind: 'X', metadata: { name: 'x', generation }, status }) as KubernetesObject;

  test.each([
    [
      'Ready True, generation observed',
      { observedGeneration: 3, conditions: [{ type: 'Ready', status: 'True' }] },
      'ready',
    ],
    ['Available True', { conditions: [{ type: 'Available', status: 'True' }] }, 'ready'],
    ['observedGeneration caught up, no conditions', { observedGeneration: 3 }, 'ready'],
    [
      'observedGeneration behind',
      { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] },
      'waiting',
    ],
    [
      'Ready False',
      { observedGeneration: 3, conditions: [{ type: 'Ready', status: 'False', reason: 'Progressing' }] },
      'waiting',
    ],
    [
      'Reconciling True',
      {
        conditions: [
          { type: 'Reconciling', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
      },
      'waiting',
    ],
    [
      'Ready condition of an older generation',
      { conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }] },
      'waiting',
    ],
    [
      'Stalled True',
      { conditions: [{ type: 'Stalled', status: 'True', reason: 'Boom', message: 'it broke' }] },
      'failed',
    ],
    ['Failed True', { conditions: [{ type: 'Failed', status: 'True', message: 'it broke' }] }, 'failed'],
    ['no status', undefined, 'no-signal'],
    ['state only', { state: 'Running' }, 'no-signal'],
    ['unknown conditions only', { conditions: [{ type: 'Synced', status: 'True' }] }, 'no-signal'],
  ])('%s: %s', (_name, status, state) => {
    expect(conventionReadiness(object(status), true).state).toBe(state);
  });

  test('a kind without a status subresource and without status is ready once it exists', () => {
    expect(conventionReadiness(object(undefined), false).state).toBe('ready');
    expect(conventionReadiness(object({ state: 'x' }), false).state).toBe('no-signal');
  });

  test("a failure carries the condition's reason and message", () => {
    expect(
      conventionReadiness(
        object({ conditions: [{ type: 'Stalled', status: 'True', reason: 'Boom', message: 'it broke' }] }),
        true,
      ),
    ).toEqual({ state: 'failed', condition: 'Stalled', message: 'Boom: it broke' });
  });
});

mark('no_deploy').describe('a rule decides for its kind, on the generation the controller has seen', () => {
  // no apiVersion on the ref: nothing to discover, so no cluster is needed
  const ref = { kind: 'DeviceServer', name: 'tg', namespace: 'ci' };
  const rule = { kind: 'DeviceServer', ready: "$.status.state == 'Running'", failed: "$.status.state == 'Error'" };
  const withStatus = (status: unknown, generation = 2) =>
    ({ ...deviceServer, metadata: { name: 'tg', generation }, status }) as KubernetesObject;

  async function custom() {
    const options = resolveOptions({}, {}, projectWithConfig({ readiness: [rule] }));
    const lines: string[] = [];
    const prepared = await CustomReadiness.prepare([ref], options, {
      progress: (line) => lines.push(line),
      label: 'test',
      timeout: 1_000,
    });
    return prepared.custom;
  }

  test('ready, failing with the message, and waiting as the predicates say', async () => {
    const readiness = await custom();
    expect(readiness.verdict(withStatus({ state: 'Running', observedGeneration: 2 }), ref)).toEqual({ ready: true });
    const failed = readiness.verdict(withStatus({ state: 'Error', message: 'db down' }), ref);
    expect(failed?.failure).toBeInstanceOf(ChartNotReadyError);
    expect(failed?.failure?.message).toContain(
      "ResourceFailed: $.status.state == 'Error' holds (readiness[0] of chart-testware.json): db down",
    );
    expect(readiness.verdict(withStatus({ state: 'Pending' }), ref)?.waitingFor).toContain(
      '$.status.state is "Pending"',
    );
  });

  test('a status of an older generation is neither ready nor failed (the controller has not seen the new spec)', async () => {
    const readiness = await custom();
    for (const state of ['Running', 'Error']) {
      const verdict = readiness.verdict(withStatus({ state, observedGeneration: 1 }), ref);
      expect(verdict).toEqual({
        ready: false,
        waitingFor: 'the controller has not seen generation 2 yet (observed 1)',
      });
    }
  });

  test('kinds without a rule and outside custom groups are left to the built-in rules', async () => {
    const readiness = await custom();
    expect(
      readiness.verdict(withStatus({}), { kind: 'ConfigMap', name: 'x', namespace: 'ci', apiVersion: 'v1' }),
    ).toBeUndefined();
  });
});
