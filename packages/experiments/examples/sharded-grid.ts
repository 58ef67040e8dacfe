// A small grid on ASD's leave-one-server-out fold, split in two shards as two machines would run it, then
// merged: every (configuration, server) pair exactly once. Shallow methods only, so it takes seconds.
// Run from the repository root: npm run ts -- packages/experiments/examples/sharded-grid.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultRecord } from '@driftwatch/contracts';
import { findRepoRoot, resolveDataRoot } from '@driftwatch/ingest';
import { gridPoints, parseShard, readResults, runLeaveOneOut, type GridFile } from '@driftwatch/experiments';

// what a grid file holds: iforest at two ensemble sizes, mahalanobis with its defaults, two smoothing factors
const grid: GridFile = {
  methods: [
    { method: 'iforest', params: { nEstimators: [25, 100] } },
    { method: 'mahalanobis', params: {} },
  ],
  smoothing: [0, 0.99],
};
const configs = gridPoints(grid);
console.log(`grid: ${configs.map((c) => `${c.method} ${JSON.stringify(c.point)} [${c.id}]`).join(', ')}`);

async function main(): Promise<void> {
  const dataRoot = resolveDataRoot({ env: process.env.DRIFTWATCH_DATA }).path;
  const out = await mkdtemp(join(tmpdir(), 'sharded-grid-'));
  for (const i of [1, 2]) {
    const { rows } = await runLeaveOneOut(
      {
        dataRoot,
        dataset: 'asd',
        servers: ['omi-1', 'omi-2'],
        configs,
        smoothingGrid: grid.smoothing,
        shard: parseShard(`${i}/2`),
        outDir: join(out, `shard-${i}`),
        seed: 0,
        epochs: 1,
        command: `npm run ts -- packages/experiments/examples/sharded-grid.ts (shard ${i}/2)`,
        // run.json records each data file's sha256 and whether datasets.lock has the same
        lockPath: join(findRepoRoot(process.cwd()) ?? '.', 'datasets.lock'),
      },
      { fitting: (label) => ({ done: (fit) => console.log(`shard ${i}: ${label} on ${fit.trainWindows} windows`) }) },
    );
    console.log(`shard ${i}/2: ${rows.length} results lines`);
  }

  // what `driftwatch report shard-1 shard-2` reads: the union of the folders
  const lines: ResultRecord[] = [];
  for (const shard of ['shard-1', 'shard-2']) lines.push(...(await readResults(join(out, shard, 'results.jsonl'))));
  console.log('\nserver     method       grid point  β      peak F1');
  const key = (r: (typeof lines)[number]) => `${r.testSequence} ${r.method} ${r.gridPoint}`;
  for (const r of lines.sort((a, b) => key(a).localeCompare(key(b)) || a.smoothing - b.smoothing)) {
    const cells = [r.testSequence.padEnd(11), r.method.padEnd(13), String(r.gridPoint).padEnd(12)];
    console.log(`${cells.join('')}${String(r.smoothing).padEnd(7)}${r.peakF1.toFixed(3)}`);
  }
  await rm(out, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
