/**
 * The channel between test code (which runs inside Jest's module sandbox) and the marker environment (which runs
 * outside it). Both sides reach the same object through the sandbox's global.
 */
export interface TestInfo {
  readonly testPath: string;
  /** Describe titles and the test title joined by " ", as Jest reports it. */
  readonly fullName: string;
  readonly markers: readonly string[];
  /** Where diagnostics for this test go: <reportsDir>/artifacts/<sanitised file and test name>. */
  readonly artifactsDir: string;
  /** Epoch milliseconds when the test started (the default start of its pod-log time window). */
  readonly startedAt?: number;
  /** Where the run report's events of this test go: <reportsDir>/events/<file>/<test>.jsonl. */
  readonly eventsFile?: string;
  /** Set when this is a beforeAll/afterAll hook rather than a test (diagnostics and events of the whole block). */
  readonly hook?: 'beforeAll' | 'afterAll';
  readonly describePath?: string;
}

/** Called by the environment when a test has failed, before the next test starts. */
export type FailureHook = (test: TestInfo, errors: readonly string[]) => Promise<void>;

export interface TestContextSlot {
  /** Markers of the mark(...) call under way; the environment attaches them to the block or test it defines. */
  pendingMarkers: readonly string[] | null;
  currentTest: TestInfo | undefined;
  /** The beforeAll/afterAll hook under way (installs in a fixture save their diagnostics there). */
  currentHook?: TestInfo | undefined;
  failureHooks: Set<FailureHook>;
  /** Secret values seen in values given to helm: the run report blanks them (kept in memory only). */
  knownSecrets?: Set<string>;
}

const slotKey = '__chartTestwareTestContext';

export function testContextSlot(global: object = globalThis): TestContextSlot {
  const holder = global as Record<string, TestContextSlot | undefined>;
  holder[slotKey] ??= { pendingMarkers: null, currentTest: undefined, failureHooks: new Set() };
  return holder[slotKey];
}

/** The running test, or undefined outside a test (in beforeAll, or outside Jest). */
export function currentTest(): TestInfo | undefined {
  return testContextSlot().currentTest;
}

/**
 * Runs `hook` whenever a test fails while the returned registration is alive (e.g. to save diagnostics of a
 * deployment the test used). Dispose the registration to stop.
 */
export function onTestFailure(hook: FailureHook): Disposable {
  const hooks = testContextSlot().failureHooks;
  hooks.add(hook);
  return { [Symbol.dispose]: () => void hooks.delete(hook) };
}
