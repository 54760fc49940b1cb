import { textAt } from '../json-access.ts';
import type { PolicyCheck } from '../policy-check.ts';
import { annotationsOf, findingAt, isTestHook, type PolicyContext, type PolicyObject } from '../policy-context.ts';
import { podSpecsOf } from '../workloads.ts';

const section = 'Templating the Application > Tests';

const inTestsFolder = (object: PolicyObject): boolean => /\/templates\/tests\//.test(object.template);
const tests = (context: PolicyContext): PolicyObject[] => context.objects.filter(isTestHook);

export const helmTestLocation: PolicyCheck = {
  id: 'helm-test-location',
  severity: 'warning',
  rule: 'helm test objects live under templates/tests/.',
  section,
  needs: ['render'],
  run(context) {
    return tests(context)
      .filter((object) => !inTestsFolder(object))
      .map((object) =>
        findingAt(
          object,
          `helm test ${object.kind} is defined in ${object.template}, outside templates/tests/`,
          'move it to templates/tests/<what-it-tests>-test.yaml',
        ),
      );
  },
};

export const helmTestHook: PolicyCheck = {
  id: 'helm-test-hook',
  severity: 'error',
  rule: 'Everything under templates/tests/ carries the helm.sh/hook annotation test (or test-success / test-failure).',
  section,
  needs: ['render'],
  run(context) {
    return context.objects
      .filter((object) => inTestsFolder(object) && !isTestHook(object))
      .map((object) => {
        const hook = annotationsOf(object.object)['helm.sh/hook'];
        return findingAt(
          object,
          hook
            ? `helm.sh/hook is "${hook}", not a test hook: it runs at ${hook}, not with helm test`
            : 'no helm.sh/hook annotation: it is installed with the release instead of run by helm test',
          'annotate it with "helm.sh/hook": test',
        );
      });
  },
};

export const helmTestRestartNever: PolicyCheck = {
  id: 'helm-test-restart-never',
  severity: 'error',
  rule: 'helm test pods run to completion: restartPolicy: Never.',
  section,
  needs: ['render'],
  run(context) {
    return tests(context).flatMap((object) =>
      podSpecsOf(object).flatMap((pod) => {
        const policy = textAt(pod.spec, 'restartPolicy');
        return policy === 'Never'
          ? []
          : [
              findingAt(
                object,
                policy
                  ? `helm test pod has restartPolicy ${policy}`
                  : 'helm test pod sets no restartPolicy (a Pod defaults to Always)',
                'set restartPolicy: Never',
              ),
            ];
      }),
    );
  },
};

export const helmTestNameSuffix: PolicyCheck = {
  id: 'helm-test-name-suffix',
  severity: 'warning',
  rule: 'helm test object names end in -test.',
  section,
  needs: ['render'],
  run(context) {
    return tests(context)
      .filter((object) => !object.name.endsWith('-test'))
      .map((object) =>
        findingAt(
          object,
          `helm test name "${object.name}" does not end in -test`,
          'name it <component>-<release>-<what>-test',
        ),
      );
  },
};

export const helmTestsPresent: PolicyCheck = {
  id: 'helm-tests-present',
  severity: 'info',
  rule: 'The chart ships at least one helm test (templates/tests/).',
  section,
  needs: ['render'],
  run(context) {
    const workloads = context.objects.some((object) => podSpecsOf(object).some((pod) => pod.longRunning));
    return !workloads || tests(context).length > 0
      ? []
      : [
          {
            template: `${context.source.name}/templates/tests`,
            message: 'the chart deploys workloads but has no helm test',
            fix: 'add a test Pod under templates/tests/ that checks the chart installed correctly (e.g. connects to its Service)',
          },
        ];
  },
};

export const helmTestChecks: readonly PolicyCheck[] = [
  helmTestLocation,
  helmTestHook,
  helmTestRestartNever,
  helmTestNameSuffix,
  helmTestsPresent,
];
