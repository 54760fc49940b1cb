import { execa } from 'execa';
import { ConfigError } from '../errors.ts';
import { jestBin } from './jest-project.ts';

/** A Jest shard, 1-based as Jest's `--shard=index/total`. */
export interface CiShard {
  readonly index: number;
  readonly total: number;
}

/**
 * GitLab's `parallel: N` as Jest's `--shard=CI_NODE_INDEX/CI_NODE_TOTAL` (both 1-based), unless the user gave
 * `--shard` (which always wins). GitLab sets CI_NODE_TOTAL=1 and no CI_NODE_INDEX on a job without `parallel`:
 * no shard then. Bad values are a ConfigError naming the variable. `parallel: matrix:` jobs get the same variables:
 * give those `--shard=1/1` when each is to run every test.
 */
export function ciShard(jestArgs: readonly string[], env: NodeJS.ProcessEnv): CiShard | undefined {
  const index = env.CI_NODE_INDEX;
  const total = env.CI_NODE_TOTAL;
  if (jestArgs.some((arg) => arg === '--shard' || arg.startsWith('--shard='))) return undefined;
  if (index === undefined && (total === undefined || total.trim() === '1')) return undefined;
  if (total === undefined) {
    throw new ConfigError(`CI_NODE_INDEX "${index}" is set but CI_NODE_TOTAL is not`, {
      hint: 'set both (GitLab does for a job with `parallel: N`), or unset CI_NODE_INDEX; or pass --shard=i/N',
    });
  }
  const totalNumber = wholeNumber(total);
  if (totalNumber === undefined || totalNumber < 1) {
    throw new ConfigError(`CI_NODE_TOTAL "${total}" is not a number of parallel jobs`, {
      hint: 'a whole number >= 1 (GitLab sets it from `parallel: N`); or pass --shard=i/N',
    });
  }
  if (index === undefined) {
    throw new ConfigError(`CI_NODE_TOTAL "${total}" is set but CI_NODE_INDEX is not`, {
      hint: 'set both (GitLab does for a job with `parallel: N`), or unset CI_NODE_TOTAL; or pass --shard=i/N',
    });
  }
  const indexNumber = wholeNumber(index);
  if (indexNumber === undefined || indexNumber < 1 || indexNumber > totalNumber) {
    throw new ConfigError(`CI_NODE_INDEX "${index}" is not a job index from 1 to CI_NODE_TOTAL (${total})`, {
      hint: "GitLab's index is 1-based: 1 to CI_NODE_TOTAL; or pass --shard=i/N",
    });
  }
  return { index: indexNumber, total: totalNumber };
}

/** The Jest arguments of ciShard: [] or ['--shard=i/N']. */
export function ciShardArgs(jestArgs: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const shard = ciShard(jestArgs, env);
  return shard && shard.total > 1 ? [`--shard=${shard.index}/${shard.total}`] : [];
}

function wholeNumber(value: string): number | undefined {
  return /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

/**
 * When a CI shard's Jest found no test file: the number of test files the run selects without the shard, if any.
 * Jest's sharding can leave a shard empty (5 files over 4 jobs: 2, 2, 1, 0); that shard passes, while a path
 * pattern that matches nothing at all still fails every shard.
 */
export async function filesOutsideEmptyShard(
  jestArgv: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<number> {
  const list = async (argv: readonly string[]): Promise<number | undefined> => {
    const listed = await execa(
      process.execPath,
      [
        '--experimental-vm-modules',
        '--disable-warning=ExperimentalWarning',
        jestBin(),
        ...argv,
        '--listTests',
        '--json',
      ],
      { cwd, env, reject: false },
    );
    if (listed.exitCode !== 0) return undefined;
    try {
      return (JSON.parse(listed.stdout.trim().split('\n').at(-1) ?? '') as unknown[]).length;
    } catch {
      return undefined;
    }
  };
  if ((await list(jestArgv)) !== 0) return 0;
  return (await list(jestArgv.filter((arg) => !arg.startsWith('--shard=')))) ?? 0;
}
