/** Where progress lines go: stderr, so Jest shows them live and they never mix with a command's stdout. */
export type ProgressSink = (line: string) => void;

export const stderrProgress: ProgressSink = (line) => {
  process.stderr.write(`[chart-testware] ${line}\n`);
};

export const silentProgress: ProgressSink = () => {};

/**
 * Looks at `describe()` every `intervalMs` (undefined: nothing to say yet) and prints its short form (see
 * shortProgress) only when that changed: one line per change, not one per interval. On a terminal the line is
 * rewritten in place instead. Stop with the returned disposable.
 */
export function everyFewSeconds(
  sink: ProgressSink,
  intervalMs: number,
  describe: () => string | undefined,
): Disposable {
  const started = performance.now();
  const inPlace = sink === stderrProgress && process.stderr.isTTY === true;
  let last = '';
  const timer = setInterval(() => {
    const described = describe();
    if (described === undefined) return;
    const line = shortProgress(described);
    if (line === last) return;
    last = line;
    const text = `${line} (${Math.round((performance.now() - started) / 1000)}s)`;
    if (inPlace) process.stderr.write(`\r\u001b[2K[chart-testware] ${text}`);
    else sink(text);
  }, intervalMs);
  timer.unref();
  return {
    [Symbol.dispose]: () => {
      clearInterval(timer);
      if (inPlace && last) process.stderr.write('\n');
    },
  };
}

const waitLine = /^waiting for (?:release )?(.+?)(?: in \S+)?: (\d+)\/(\d+) ready; not ready: (.*)$/s;
// "Kind ns/name (why)" items, separated by "; " (a reason may contain "; " itself)
const itemStart = /; (?=[A-Z][A-Za-z]* \S+ \()/;

/**
 * The short form of a wait's progress: "web-1a2b: 6/10 ready, waiting on StatefulSet databaseds (init register
 * running) +2 more". Anything else is cut to one line of 160 characters.
 */
export function shortProgress(text: string): string {
  // a server that does not answer is the news of the line: kept whole, after the short form of the rest
  const silence = /; (the API server does not answer \(.*\), retrying)$/s.exec(text);
  if (silence) return `${shortProgress(text.slice(0, silence.index))}; ${cut(silence[1] ?? '', 200)}`;
  const match = waitLine.exec(text);
  if (!match) {
    const line = text.split('\n')[0] ?? '';
    return line.length > 160 ? `${line.slice(0, 157)}...` : line;
  }
  const [, label, ready, total, rest] = match;
  const items = (rest ?? '').split(itemStart).filter((item) => item.trim());
  const first = (items[0] ?? '').replace(/^(\S+) [^\s/]+\//, '$1 ');
  const why = /^(\S+ \S+) \((.*)\)$/s.exec(first);
  const waitingOn = why ? `${why[1]} (${cut(why[2] ?? '', 80)})` : cut(first, 100);
  const more = items.length > 1 ? ` +${items.length - 1} more` : '';
  return `${label}: ${ready}/${total} ready, waiting on ${waitingOn}${more}`;
}

function cut(text: string, length: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > length ? `${line.slice(0, length - 3)}...` : line;
}
