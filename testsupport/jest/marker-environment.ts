import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';
import { loadOptions, type RunOptions } from '../config/options.ts';
import { moduleExtension } from '../config/package-root.ts';
import { type TestContextSlot, type TestInfo, testContextSlot } from '../context/test-context.ts';
import { safeName } from '../record/safe-name.ts';
import { clusterUsedMarker, runStateDir, type TestRecord } from '../report/run-state.ts';
import { type MarkerSelection, markerSelection } from './marker-selection.ts';
import { redactConsole, redactTestErrors } from './redact-test-output.ts';
import { hookScopeStarted, scopeEnded, testFailed } from './scope-events.ts';

type Block = Circus.DescribeBlock;
type Entry = Circus.TestEntry;

/**
 * Jest environment that gives tests their markers and selects them like `pytest -m`: deselected tests are removed
 * before the file runs (kept as skipped only when nothing in the file is selected, since Jest refuses a file with
 * no tests), and hooks of blocks with nothing selected never run. Each test's outcome and markers go to the run
 * state for the runner (quarantine, exit code, JUnit).
 */
export default class MarkerEnvironment extends TestEnvironment {
  private readonly options: RunOptions;
  private readonly selection: MarkerSelection;
  private readonly testPath: string;
  private readonly slot: TestContextSlot;
  private readonly markersOf = new WeakMap<Block | Entry, readonly string[]>();
  private readonly recordFile: string;
  private readonly deselected = new WeakSet<Entry>();
  /** testEnvironmentOptions.jobNamespace: false turns off the automatic job namespace (tests manage their own). */
  private readonly jobNamespaceEnabled: boolean;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.options = loadOptions();
    this.selection = markerSelection(this.options);
    this.testPath = context.testPath;
    // a Test-stage run (--deployed-namespace) tests what is deployed there and makes no namespace of its own
    this.jobNamespaceEnabled =
      config.projectConfig.testEnvironmentOptions.jobNamespace !== false &&
      this.options.deployedNamespace === undefined;
    this.slot = testContextSlot(this.global);
    redactConsole(context.console, this.global);
    const dir = runStateDir(this.options);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.recordFile = path.join(dir, `tests-${process.pid}.jsonl`);
  }

  async handleTestEvent(event: Circus.Event, state: Circus.State): Promise<void> {
    switch (event.name) {
      case 'start_describe_definition':
        this.takePendingMarkers(state.currentDescribeBlock);
        break;
      case 'add_test':
        this.takePendingMarkers(state.currentDescribeBlock.children.at(-1) as Entry);
        break;
      case 'run_start':
        await this.select(state.rootDescribeBlock);
        break;
      case 'test_start':
        this.slot.currentTest = { ...this.infoOf(event.test), startedAt: Date.now() };
        break;
      case 'test_done':
        redactTestErrors(event.test, this.global);
        await this.finish(event.test);
        break;
      case 'run_finish':
        // hook failures land on tests or as unhandled errors: no secret may reach a report through them either
        redactTestErrors(state.rootDescribeBlock, this.global, state.unhandledErrors);
        break;
      case 'hook_start':
        this.slot.currentHook = hookScopeStarted(event.hook, this.testPath, this.options.reportsDir);
        break;
      case 'hook_success':
      case 'hook_failure':
        if (this.slot.currentHook) {
          await scopeEnded(this.slot.currentHook, this.options, this.slot.knownSecrets, event);
        }
        this.slot.currentHook = undefined;
        break;
      case 'test_skip':
      case 'test_todo':
        // circus starts a skipped test without ending it: a beforeAll after it must not take it for the current test
        this.slot.currentTest = undefined;
        if (!this.deselected.has(event.test)) this.record(event.test, 'skipped');
        break;
    }
  }

  /** Markers of a mark(...) call apply to the block or test it defines; nested definitions inherit instead. */
  private takePendingMarkers(target: Block | Entry | undefined): void {
    if (!target || !this.slot.pendingMarkers) return;
    this.markersOf.set(target, this.slot.pendingMarkers);
    if (target.type === 'describeBlock') this.slot.pendingMarkers = null;
  }

  private effectiveMarkers(entry: Block | Entry): string[] {
    const markers = new Set<string>();
    for (let node: Block | Entry | undefined = entry; node; node = node.parent) {
      for (const marker of this.markersOf.get(node) ?? []) markers.add(marker);
    }
    return [...markers].sort();
  }

  private async select(root: Block): Promise<void> {
    const selected: Entry[] = [];
    const deselected: Entry[] = [];
    const walk = (block: Block): void => {
      for (const child of block.children) {
        if (child.type === 'describeBlock') walk(child);
        else (this.selection.selects(new Set(this.effectiveMarkers(child))) ? selected : deselected).push(child);
      }
    };
    walk(root);
    for (const test of deselected) {
      this.deselected.add(test);
      this.record(test, 'deselected');
    }
    for (const test of selected) this.record(test, 'selected');
    if (selected.length === 0) {
      for (const test of deselected) test.mode = 'skip';
    } else {
      const drop = new Set<Block | Entry>(deselected);
      const prune = (block: Block): void => {
        block.children = block.children.filter((child) => !drop.has(child));
        for (const child of block.children) if (child.type === 'describeBlock') prune(child);
      };
      prune(root);
    }
    const createsNamespace =
      this.jobNamespaceEnabled && selected.some((test) => this.effectiveMarkers(test).includes('chart_deploy'));
    if (createsNamespace) await this.ensureJobNamespace();
  }

  private async ensureJobNamespace(): Promise<void> {
    const module = path.join(import.meta.dirname, '..', 'cluster', `job-namespace${moduleExtension}`);
    if (!existsSync(module)) return;
    // Written first, so that the runner cleans up even when Jest is stopped half-way through the creation.
    writeFileSync(clusterUsedMarker(this.options), this.testPath);
    const { ensureJobNamespace } = (await import(module)) as typeof import('../cluster/job-namespace.ts');
    await ensureJobNamespace(this.options, this.testPath);
  }

  private async finish(test: Entry): Promise<void> {
    const info = this.slot.currentTest ?? this.infoOf(test);
    this.slot.currentTest = undefined;
    await scopeEnded(info, this.options, this.slot.knownSecrets);
    if (test.errors.length === 0) {
      this.record(test, 'passed');
      return;
    }
    const errors = test.errors.map((error) => String(Array.isArray(error) ? error[0] : error));
    const savedByHook = testFailed(info, test.errors, this.slot.knownSecrets);
    for (const hook of [...this.slot.failureHooks]) {
      try {
        await hook(info, errors);
      } catch (error) {
        console.error(`chart-testware: collecting diagnostics for "${info.fullName}" failed: ${String(error)}`);
      }
    }
    this.record(test, 'failed', existsSync(info.artifactsDir) ? info.artifactsDir : savedByHook);
  }

  private infoOf(test: Entry): TestInfo {
    const fullName = testNameOf(test);
    const relativePath = path.relative(process.cwd(), this.testPath);
    return {
      testPath: this.testPath,
      fullName,
      markers: this.effectiveMarkers(test),
      artifactsDir: path.join(this.options.reportsDir, 'artifacts', safeName(relativePath), safeName(fullName)),
      eventsFile: path.join(this.options.reportsDir, 'events', safeName(relativePath), `${safeName(fullName)}.jsonl`),
    };
  }

  private record(test: Entry, status: TestRecord['status'], artifactsDir?: string): void {
    const record: TestRecord = {
      testPath: this.testPath,
      fullName: testNameOf(test),
      markers: this.effectiveMarkers(test),
      status,
      ...(artifactsDir ? { artifactsDir } : {}),
    };
    appendFileSync(this.recordFile, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }
}

function testNameOf(test: Entry): string {
  const titles: string[] = [];
  for (let node: Block | Entry | undefined = test; node?.parent; node = node.parent) titles.unshift(node.name);
  return titles.join(' ');
}
