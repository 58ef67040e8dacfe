import { parseShard, shardItems, shardPairs } from '../src';

describe('shards', () => {
  it('splits the server-major pairs round-robin: the shards are disjoint and cover the grid', () => {
    const servers = ['omi-1', 'omi-2', 'omi-3'];
    const methods = ['a', 'b'];
    const shards = [1, 2, 3, 4].map((i) => shardPairs(servers, methods, parseShard(`${i}/4`)));
    expect(shards[0]).toEqual([
      { server: 'omi-1', config: 'a' },
      { server: 'omi-3', config: 'a' },
    ]);
    const seen = shards.flat().map((p) => `${p.server}|${p.config}`);
    expect(new Set(seen).size).toBe(6);
    expect(seen.sort()).toEqual(servers.flatMap((s) => methods.map((m) => `${s}|${m}`)).sort());
    expect(shardPairs(servers, methods, parseShard(undefined))).toHaveLength(6);
  });

  it('gives item k to shard k mod n', () => {
    const items = Array.from({ length: 10 }, (_, k) => k);
    expect(shardItems(items, parseShard('2/3'))).toEqual([1, 4, 7]);
    expect([1, 2, 3].flatMap((i) => shardItems(items, parseShard(`${i}/3`))).sort((a, b) => a - b)).toEqual(items);
  });

  it('rejects shards outside 1..n', () => {
    for (const bad of ['0/2', '3/2', '1/0', 'x', '1-2', '-1/2']) {
      expect(() => parseShard(bad)).toThrow(/shard expects i\/n/);
    }
  });

  it('auto/n takes a Kubernetes completion index (0-based) as shard index + 1', () => {
    expect(parseShard('auto/3', '0')).toEqual(parseShard('1/3'));
    expect(parseShard('auto/3', '2')).toEqual(parseShard('3/3'));
    expect(() => parseShard('auto/3', undefined)).toThrow(/JOB_COMPLETION_INDEX, an integer 0 … 2; it is not set/);
    for (const bad of ['3', '-1', '1.5', 'x', '']) {
      expect(() => parseShard('auto/3', bad)).toThrow(/JOB_COMPLETION_INDEX/);
    }
    expect(() => parseShard('auto/0', '0')).toThrow(/auto\/n with n ≥ 1/);
  });
});
