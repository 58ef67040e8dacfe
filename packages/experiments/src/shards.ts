/**
 * Splitting a grid over machines (docs/architecture.md, "Scale"): shard i of n takes every n-th item from the i-th,
 * so n independent processes — a Kubernetes Indexed Job, a CI matrix — cover a grid once between them, each
 * writing its own results folder.
 */
import { ParameterError } from '@driftwatch/contracts';

/** Shard `index` (0-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** The whole grid. */
export const WHOLE: Shard = { index: 0, count: 1 };

/**
 * `i/n` → { index: i − 1, count: n } (1 ≤ i ≤ n); none = the whole grid. `auto/n` takes i from
 * `completionIndex` + 1: the 0-based index a Kubernetes Indexed Job gives each pod as JOB_COMPLETION_INDEX.
 */
export function parseShard(text: string | undefined, completionIndex?: string): Shard {
  if (text === undefined) return WHOLE;
  const auto = /^auto\/(\d+)$/.exec(text.trim());
  if (auto) {
    const n = Number(auto[1]);
    if (n < 1) throw new ParameterError(`shard expects auto/n with n ≥ 1, got '${text}'`);
    const k = completionIndex === undefined || completionIndex.trim() === '' ? NaN : Number(completionIndex);
    if (!(Number.isInteger(k) && k >= 0 && k < n)) {
      const found = completionIndex === undefined ? 'not set' : `'${completionIndex}'`;
      const expected = `an integer 0 … ${n - 1}`;
      throw new ParameterError(
        `shard 'auto/${n}' takes its index from JOB_COMPLETION_INDEX, ${expected}; it is ${found}`,
      );
    }
    return { index: k, count: n };
  }
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const [i, n] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(n >= 1 && i >= 1 && i <= n)) {
    throw new ParameterError(`shard expects i/n with 1 ≤ i ≤ n (e.g. 2/4) or auto/n, got '${text}'`);
  }
  return { index: i - 1, count: n };
}

/** The items of one shard: item k goes to shard k mod n. */
export function shardItems<T>(items: readonly T[], shard: Shard): T[] {
  return items.filter((_, k) => k % shard.count === shard.index);
}

/** The (server, configuration) pairs of one shard, in server-major order (pair k goes to shard k mod n). */
export function shardPairs<T>(
  servers: readonly string[],
  configs: readonly T[],
  shard: Shard,
): { server: string; config: T }[] {
  return shardItems(
    servers.flatMap((server) => configs.map((config) => ({ server, config }))),
    shard,
  );
}
