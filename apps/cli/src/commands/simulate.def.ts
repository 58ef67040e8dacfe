import { FAULT_TYPES } from '@driftwatch/simulate';
import { defineCommand, defineOptions } from '../command';

/** The flags every simulating command shares, mapped onto SimulationOptions. */
export const simulationOptions = defineOptions({
  nodes: { type: 'string', valueName: 'N', description: 'nodes (services) in the cluster (default 32)' },
  steps: { type: 'string', valueName: 'T', description: 'time steps (default 2000)' },
  seed: {
    type: 'string',
    valueName: 'S',
    default: '0',
    description: 'random seed: the same flags and seed give the same files, byte for byte',
  },
  topology: {
    type: 'string',
    valueName: 'kind',
    choices: ['layered', 'dag'],
    description: 'layered: frontends → service tiers → databases (the default); dag: a random DAG',
  },
  rewiring: {
    type: 'string',
    valueName: 'r',
    description: 'probability per edge and graph window that a call edge moves to another callee (default 0.01)',
  },
  noise: {
    type: 'string',
    valueName: 'ε',
    description:
      'structural noise: fraction of true edges dropped from each observed graph, with as many false ones ' +
      'added (default 0.1)',
  },
  burst: {
    type: 'string',
    valueName: 'a',
    description: 'burst amplitude: a burst adds a × the base rate at an entry, then decays (default 2)',
  },
  window: {
    type: 'string',
    valueName: 'W',
    description: 'steps per graph window: rewiring and graph snapshots happen once per window (default 20)',
  },
  faults: {
    type: 'string',
    valueName: 'K',
    description: 'root faults drawn at random (default steps · nodes / 3200: 20 for 32 nodes × 2000 steps)',
  },
  'fault-types': {
    type: 'string',
    valueName: 'list',
    description: `fault types to draw from (default all): ${FAULT_TYPES.join(', ')}`,
  },
  'fault-start': {
    type: 'string',
    valueName: 'step',
    description:
      'no fault starts before this step: the steps before it are fault-free training data (default steps / 4)',
  },
  delay: {
    type: 'string',
    valueName: 'steps',
    description: 'steps per hop before a fault reaches a neighbour (default 2)',
  },
  attenuation: { type: 'string', valueName: 'a', description: 'factor on the fault intensity per hop (default 0.5)' },
  'label-fraction': {
    type: 'string',
    valueName: 'f',
    description:
      'a propagated effect is labelled when attenuation^hops ≥ f (default 0.5; f above the attenuation ' +
      'labels the faulty nodes only)',
  },
  'measurement-noise': {
    type: 'string',
    valueName: 'σ',
    description: 'relative measurement noise of the metrics (default 0.05)',
  },
  config: {
    type: 'string',
    valueName: 'file',
    description: 'JSON file with any simulation parameters (see the simulate package README); flags win',
  },
});

export const simulateDefinition = defineCommand({
  path: ['simulate'],
  summary:
    'simulate a cluster (drifting call graph, workloads, propagating faults) and write it in the layouts ingest reads',
  usage:
    'driftwatch simulate --out DIR [--nodes 32] [--steps 2000] [--seed S] [--rewiring r] [--noise ε] ' +
    '[--burst a] [--format csv|arrow|both]',
  description: [
    'N nodes (frontends → service tiers → databases, or a random DAG) serve a periodic, bursty workload along a call',
    "graph that drifts; CPU, memory, latency, queue length and error rate follow from each node's load; faults (CPU",
    'contention, link blockage, queue build-up, process failure) hit a node and reach its neighbours hop by hop with a',
    'delay and an attenuation. The ground truth is exact. DIR gets metrics.csv (long layout) and/or ' +
      'metrics.arrow (wide),',
    'labels.csv, faults.csv and faults.json, graphs-true.jsonl and graphs-observed.jsonl (one graph per window) and',
    'simulation.json (parameters, seed, version, how to read each file). DIR is written as a whole: a temporary folder',
    'renamed when complete.',
  ].join('\n'),
  options: {
    out: { type: 'string', valueName: 'dir', description: 'output folder' },
    format: {
      type: 'string',
      valueName: 'csv|arrow|both',
      default: 'both',
      choices: ['csv', 'arrow', 'both'],
      description: 'metrics layout: long CSV, wide Arrow IPC, or both',
    },
    force: { type: 'boolean', description: 'replace an existing output folder' },
    ...simulationOptions,
  },
  examples: [
    'driftwatch simulate --nodes 32 --steps 2000 --seed 1 --rewiring 0.01 --noise 0.1 --burst 2 --out sim/n32',
    'driftwatch simulate --nodes 128 --steps 5000 --topology dag --format arrow --out sim/n128',
    'driftwatch simulate --config sim.json --seed 3 --out sim/custom',
    'driftwatch convert sim/n32/metrics.csv --to parquet --format long-csv --map entity=entity --map timestampUnit=iso',
  ],
});
