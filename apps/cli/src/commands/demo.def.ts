import { join } from 'node:path';
import { backendOption, dataRootOption, defineCommand } from '../command';

export const demoDefinition = defineCommand({
  path: ['demo'],
  summary:
    'one command to a first result: train, score, evaluate and report, on ASD when it is there, else on a ' +
    'simulated cluster',
  usage:
    'driftwatch demo [--simulate] [--method iforest] [--out bench-results/demo] [--nodes 12] [--steps 1500] [--seed S]',
  description: [
    'Without --simulate the demo looks for ASD under the data root and runs its leave-one-server-out fold ' +
      'for one server',
    '(as `bench asd-loso` does). Without ASD, or with --simulate, it simulates a small cluster ' +
      '(@driftwatch/simulate): the',
    'fault-free first 40% of the steps train one detector on the windows of every node (domain = node), the rest is',
    'scored per node. Either way it evaluates peak F1 over the EWMA smoothing grid with label-free ' +
      'thresholds, and writes',
    'OUT/report.html (score timelines with the ground truth), OUT/results.jsonl, ' +
      'OUT/scores/<method>/<entity>.arrow, and',
    'for a simulation the cluster itself under OUT/data. OUT is written as a whole; a previous demo there is replaced.',
  ].join('\n'),
  options: {
    simulate: { type: 'boolean', description: 'use a simulated cluster even when real data is found' },
    method: {
      type: 'string',
      valueName: 'id',
      default: 'iforest',
      description: "detector id ('driftwatch methods' lists them)",
    },
    out: { type: 'string', valueName: 'dir', default: join('bench-results', 'demo'), description: 'output folder' },
    nodes: { type: 'string', valueName: 'N', default: '12', description: 'simulated nodes' },
    steps: { type: 'string', valueName: 'T', default: '1500', description: 'simulated steps' },
    server: { type: 'string', valueName: 'name', description: 'ASD server to hold out (default: the first, omi-1)' },
    seed: { type: 'string', valueName: 'S', default: '0', description: 'seed of the simulation and of the detector' },
    epochs: { type: 'string', valueName: 'N', default: '3', description: 'maximum epochs of deep methods' },
    params: {
      type: 'string',
      valueName: 'json',
      description: 'detector parameter overrides, e.g. \'{"nEstimators":200}\'',
    },
    force: { type: 'boolean', description: 'replace an output folder that is not a previous demo' },
    ...backendOption,
    ...dataRootOption,
  },
  examples: [
    'driftwatch demo',
    'driftwatch demo --simulate --nodes 16 --steps 2000 --seed 3',
    'driftwatch demo --simulate --method dense-divad-gm --epochs 5',
  ],
});
