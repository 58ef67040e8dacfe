/**
 * Simulator throughput: how the cost of `simulateCluster` grows with the node count.
 *
 *   npm run bench -- simulate [--nodes 32,64,128,256] [--steps 2000] [--repeats 3] [--out FILE]
 *
 * Per N: the median and min wall time of `repeats` runs (default parameters otherwise, seed = repeat index),
 * node-steps per second, and the process's peak RSS so far. One warm-up run first, so that the first case
 * does not pay for compilation.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { simulateCluster } from '@driftwatch/simulate';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '32,64,128,256' },
    steps: { type: 'string', default: '2000' },
    repeats: { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench-results/simulate.json' },
  },
});
const nodeCounts = values.nodes!.split(',').map(Number);
const steps = Number(values.steps);
const repeats = Number(values.repeats);
if (nodeCounts.some((n) => !(Number.isInteger(n) && n >= 4)) || !(steps >= 100) || !(repeats >= 1)) {
  console.error('usage: npm run bench -- simulate [--nodes 32,64,…] [--steps T ≥ 100] [--repeats K ≥ 1] [--out FILE]');
  process.exit(2);
}

simulateCluster({ nodes: nodeCounts[0], steps: Math.min(steps, 500) }, 0);
const results = nodeCounts.map((nodes) => {
  const seconds: number[] = [];
  let labelled = 0;
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    const sim = simulateCluster({ nodes, steps }, k);
    seconds.push((performance.now() - t0) / 1000);
    labelled = sim.series.labels!.reduce((a, b) => a + b, 0) / sim.series.labels!.length;
  }
  const sorted = [...seconds].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return {
    nodes,
    steps,
    repeats,
    medianSeconds: median,
    minSeconds: sorted[0],
    nodeStepsPerSecond: (nodes * steps) / median,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    labelledShare: labelled,
  };
});

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
console.log(`simulateCluster, T = ${steps}, median of ${repeats} (${machine})`);
console.log('| N | median s | min s | node-steps/s | peak RSS MB | labelled |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.nodes} | ${r.medianSeconds.toFixed(3)} | ${r.minSeconds.toFixed(3)} ` +
      `| ${Math.round(r.nodeStepsPerSecond).toLocaleString('en-US')} | ${r.peakRssMb.toFixed(0)} ` +
      `| ${(100 * r.labelledShare).toFixed(1)}% |`,
  );
}
mkdirSync(dirname(values.out!), { recursive: true });
writeFileSync(values.out!, `${JSON.stringify({ machine, results }, null, 2)}\n`);
console.log(`written: ${values.out}`);
