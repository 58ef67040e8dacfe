import { mulberry32 } from '@driftwatch/contracts';
import { subsetIndexedWindows, type IndexedWindowSet } from './windows';

/** Number of windows file f gets (paper A.5): ⌈(n_f / n_κ) · n_per⌉, in the float arithmetic of the reference code. */
export function balancedFileQuota(fileWindows: number, keyWindows: number, perKey: number): number {
  return Math.ceil((fileWindows / keyWindows) * perKey);
}

/**
 * Domain-balanced resampling (docs/divad.md §3.4, paper A.5): with n windows and #keys keys, n_per = ⌊n/#keys⌋;
 * every sequence ("file") f of key κ contributes ⌈(n_f/n_κ)·n_per⌉ windows drawn uniformly from its own,
 * without replacement when that count ≤ n_f, else with replacement. With a single key every window is kept.
 * Files are visited in sequence order and draws within a file are returned in ascending window order.
 */
export function balancedSample(
  ws: IndexedWindowSet,
  keyOf: (sequenceIndex: number) => string,
  seed: number,
): IndexedWindowSet {
  const byFile = new Map<number, number[]>();
  for (let i = 0; i < ws.count; i++) {
    const f = ws.sequenceOf(i);
    let list = byFile.get(f);
    if (!list) byFile.set(f, (list = []));
    list.push(i);
  }
  const files = [...byFile.keys()].sort((a, b) => a - b);
  const keyWindows = new Map<string, number>();
  const keyOfFile = new Map<number, string>();
  for (const f of files) {
    const key = keyOf(f);
    keyOfFile.set(f, key);
    keyWindows.set(key, (keyWindows.get(key) ?? 0) + byFile.get(f)!.length);
  }
  if (keyWindows.size <= 1)
    return subsetIndexedWindows(
      ws,
      Int32Array.from({ length: ws.count }, (_, i) => i),
    );
  const perKey = Math.floor(ws.count / keyWindows.size);
  const uniform = mulberry32(seed);
  const chosen: number[] = [];
  for (const f of files) {
    const own = byFile.get(f)!;
    const quota = balancedFileQuota(own.length, keyWindows.get(keyOfFile.get(f)!)!, perKey);
    const picks =
      quota <= own.length
        ? drawWithoutReplacement(own.length, quota, uniform)
        : drawWithReplacement(own.length, quota, uniform);
    picks.sort((a, b) => a - b);
    for (const p of picks) chosen.push(own[p]);
  }
  return subsetIndexedWindows(ws, Int32Array.from(chosen));
}

/** k distinct positions of [0, n): the first k steps of a Fisher–Yates shuffle. */
function drawWithoutReplacement(n: number, k: number, uniform: () => number): Int32Array {
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(uniform() * (n - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, k);
}

/** k positions of [0, n), each uniform and independent. */
function drawWithReplacement(n: number, k: number, uniform: () => number): Int32Array {
  return Int32Array.from({ length: k }, () => Math.floor(uniform() * n));
}
