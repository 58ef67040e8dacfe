/**
 * `--shard i/n`: entity e belongs to replica i when hashmod(e, n) = i, the same assignment as Prometheus's relabel
 * action `hashmod` (so a scrape shard and a scoring shard can be the same set of targets).
 */
import { createHash } from 'node:crypto';
import { DriftwatchError } from '@driftwatch/contracts';

export interface Shard {
  index: number;
  count: number;
}

/** The whole set: one replica. */
export const ALL_ENTITIES: Shard = { index: 0, count: 1 };

/** Prometheus's hashmod: the last 8 bytes of md5(value) as a big-endian uint64, modulo n. */
export function hashmod(value: string, modulus: number): number {
  const digest = createHash('md5').update(value, 'utf8').digest();
  return Number(digest.readBigUInt64BE(8) % BigInt(modulus));
}

/** Parses `i/n` with 0 ≤ i < n. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new DriftwatchError(`--shard expects i/n (replica i of n, counted from 0), got '${text}'`);
  const [index, count] = [Number(match[1]), Number(match[2])];
  if (!(count >= 1 && index < count)) throw new DriftwatchError(`--shard ${text}: i must be in 0…n−1 and n at least 1`);
  return { index, count };
}

export function inShard(entity: string, shard: Shard): boolean {
  return shard.count === 1 || hashmod(entity, shard.count) === shard.index;
}
