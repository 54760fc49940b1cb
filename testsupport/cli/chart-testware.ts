#!/usr/bin/env node
// `chart-testware [COMMAND] [ARGS...]`: the package's one command. Each subcommand is the module that also backs this
// repository's npm scripts, so there is one code path; `test` (the runner) is the default.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { moduleExtension, packageRoot } from '../config/package-root.ts';

interface Command {
  summary: string;
  /** A module of testsupport/ (without extension) that reads process.argv, or a script run with bash. */
  module?: string;
  script?: string;
}

const commands: Record<string, Command> = {
  test: {
    summary: 'run the tests (the default): --marker EXPR, --all, runner options, Jest options',
    module: 'jest/cli',
  },
  cluster: {
    summary: 'the embedded local cluster: up | down | status | kubeconfig | reset | logs NAME',
    script: 'scripts/cluster.sh',
  },
  janitor: { summary: 'delete the namespaces (and leftovers) of runs that expired or died', module: 'cli/janitor' },
  smoke: { summary: 'smoke test of a running namespace or release', module: 'cli/smoke' },
  policy: { summary: 'chart policy table of chart folders', module: 'cli/policy' },
  corpus: { summary: 'render every chart under the folders given: one line each, and a summary', module: 'cli/corpus' },
  report: { summary: 're-render reports/index.html from a reports folder and a history file', module: 'cli/report' },
  init: {
    summary: 'write a Jest config, tsconfig, chart-testware.json, example tests and CI jobs here',
    module: 'cli/init',
  },
};

const usage = `usage: chart-testware [COMMAND] [ARGS...]

${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(8)} ${command.summary}`)
  .join('\n')}

Without a command, or with options first, runs \`test\`. \`chart-testware COMMAND --help\` tells more.`;

function exitWith(code: number | null, signal: NodeJS.Signals | null): void {
  if (signal) process.kill(process.pid, signal);
  process.exit(code ?? 1);
}

async function main(): Promise<void> {
  const [first] = process.argv.slice(2);
  if (first === '--help' || first === '-h' || first === 'help') {
    console.log(usage);
    return;
  }
  if (first !== undefined && /^[a-z][a-z-]*$/.test(first) && !(first in commands)) {
    // A bare word is a command; a test path pattern has a "/" or "." (or follows `test`): a typo must not run
    // every test.
    console.error(`chart-testware: unknown command "${first}"\n${usage}`);
    console.error(`\nto run the tests whose path matches "${first}": chart-testware test ${first}`);
    process.exit(4);
  }
  const name = first !== undefined && first in commands ? first : 'test';
  const command = commands[name] as Command;
  const args = name === first ? process.argv.slice(3) : process.argv.slice(2);

  if (command.script) {
    const child = spawn('bash', [path.join(packageRoot, command.script), ...args], { stdio: 'inherit' });
    child.on('exit', exitWith);
    return;
  }
  // The subcommand modules read process.argv.slice(2) and run when imported: hand them their own arguments.
  process.argv = [process.argv[0] ?? process.execPath, process.argv[1] ?? '', ...args];
  await import(path.join(import.meta.dirname, '..', `${command.module}${moduleExtension}`));
}

await main();
