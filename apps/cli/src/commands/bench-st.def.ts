import { backendOption, dataRootOption, defineCommand } from '../command';
import {
  DEFAULT_BUDGET,
  DEFAULT_SPLIT,
  DEFAULT_ST_SEED_COUNT,
  ST_DATASETS,
  ST_EXPERIMENTS,
} from '@driftwatch/experiments/st-settings';

export const benchStDefinition = defineCommand({
  path: ['bench', 'st'],
  summary:
    'spatiotemporal experiments (docs/spatiotemporal.md §4): st-dda vs its supervised baselines on Nezha ' +
    'and simulated clusters',
  usage:
    'driftwatch bench st <compare|window|scale|robustness> [--methods ids] [--datasets ids] [--epochs N] ' +
    '[--window W] [--seed S] [--seeds N] [--out DIR] [--resume] [--shard i/n] [--backend X]',
  description: [
    'Experiments: compare = methods × data sets at one window length; window = W ∈ {4, 8, 12, 16, 20}; scale = N ∈',
    '{32, 64, 96, 128} simulated nodes; robustness = structural noise {0, 0.2, 0.4}, rewiring rate {0, 0.02, 0.05} and',
    'burst amplitude {0, 2, 4} of a simulated cluster, one knob at a time (the others at the simulator defaults).',
    '',
    'Data: nezha-ob (OnlineBoutique, 2022-08-22) and nezha-tt (TrainTicket, 2023-01-29) as services × pod metrics',
    '× minutes, labelled per (service, minute) by the fault windows (--label-window), observed graph from',
    'dependency.csv (OB) or the spans (TT); sim = a simulated cluster (fault-free first quarter).',
    'Periods: train / validation / test = the --split fractions, in time order, of the span from the first step to',
    '30 steps after the last labelled one (--split-span faults; every Nezha fault lies in the first hours of its day,',
    'so a split of the whole day, --split-span day, leaves validation and test without faults).',
    'st-dda trains without labels on the windows of the train period in which no step is labelled (window and',
    'forecast target), early-stops on the validation windows chosen the same way, and is reported with both its',
    'scores (st-dda-latent, st-dda-forecast: one model). mlp, gbdt, cnn1d, transformer train on the labelled train',
    'period and early-stop on validation. Metrics per (entity, step) on the test period: accuracy, precision,',
    'recall, F1 at the threshold that maximises F1 on validation, and threshold-free peak F1, AUC-PR and',
    'VUS-PR/ROC (buffers 0 … W).',
    '',
    'Seeds: every cell (data set, method, varied value) runs with the model seeds S … S + n − 1 (--seeds n;',
    `default ${DEFAULT_ST_SEED_COUNT} for st-dda, 1 for the baselines) on the same data (the simulator keeps seed ` +
      'S); the',
    'summary gives mean ± sd and min–max over the seeds.',
    '',
    'Output: one JSON line per (experiment, data set, method, varied value, seed) in DIR/results.jsonl, appended one',
    'write per line; --resume skips finished runs; run.json holds the command, machine, backend and the sha256 of',
    'the Nezha files. `driftwatch report DIR` renders the tables and line charts.',
    '',
    `Budget (defaults): epochs ${DEFAULT_BUDGET.epochs} (gbdt keeps its 100 boosting rounds with early ` +
      `stopping), W = ${DEFAULT_BUDGET.windowLength},`,
    `simulated clusters of ${DEFAULT_BUDGET.simNodes} nodes × ${DEFAULT_BUDGET.simSteps} steps ` +
      `(scale: ${DEFAULT_BUDGET.scaleSteps} steps). On a 2-core machine`,
    'shared with other jobs (load average 6–9), with all five methods: compare 4 min 54 s (the transformer 3.5 min of',
    'it), window 16 min, scale 14.5 min, robustness 22 min. With --methods st-dda,mlp,gbdt: scale 3.6 min, robustness',
    '6.7 min (st-dda takes 20–55 s per 32-node cluster, the transformer 75–210 s).',
  ].join('\n'),
  arguments: [
    {
      name: 'experiment',
      required: true,
      choices: ST_EXPERIMENTS,
      description: 'the experiment of docs/spatiotemporal.md §4 to run',
    },
  ],
  options: {
    methods: {
      type: 'string',
      valueName: 'ids',
      description: "comma-separated node detector ids (default: every node detector; 'driftwatch methods' lists them)",
    },
    datasets: {
      type: 'string',
      valueName: 'ids',
      description:
        `comma-separated: ${ST_DATASETS.join(', ')} (default: compare nezha-ob,nezha-tt,sim; window ` +
        `nezha-ob,sim; scale and robustness sim)`,
    },
    epochs: {
      type: 'string',
      valueName: 'N',
      default: String(DEFAULT_BUDGET.epochs),
      description: 'maximum training epochs of st-dda and the network baselines (early stopping with patience 10)',
    },
    window: {
      type: 'string',
      valueName: 'W',
      default: String(DEFAULT_BUDGET.windowLength),
      description: 'window length of every method, except in the window experiment',
    },
    'sim-nodes': {
      type: 'string',
      valueName: 'N',
      default: String(DEFAULT_BUDGET.simNodes),
      description: 'nodes of the simulated cluster (compare, window, robustness)',
    },
    'sim-steps': {
      type: 'string',
      valueName: 'T',
      default: String(DEFAULT_BUDGET.simSteps),
      description: 'steps of the simulated cluster (compare, window, robustness)',
    },
    'scale-steps': {
      type: 'string',
      valueName: 'T',
      default: String(DEFAULT_BUDGET.scaleSteps),
      description: 'steps of the clusters of the scale experiment',
    },
    'label-window': {
      type: 'string',
      valueName: 'rule',
      default: 'recovery',
      description:
        "Nezha label window: 'recovery' (ingest's default: until the fault's signals are back in their " +
        "fault-free band, 3–10 min) or 'fixed:<minutes>'",
    },
    'nezha-graph': {
      type: 'string',
      valueName: 'source',
      default: 'auto',
      choices: ['auto', 'spans', 'dependency', 'none'],
      description: 'observed graph of Nezha: auto = dependency.csv where it exists, else the spans',
    },
    'graph-window': {
      type: 'string',
      valueName: 'minutes',
      default: '1',
      description: 'minutes per span graph window',
    },
    split: {
      type: 'string',
      valueName: 'fractions',
      default: `${DEFAULT_SPLIT.train},${DEFAULT_SPLIT.validation},${DEFAULT_SPLIT.test}`,
      description: 'train,validation,test shares of the span, in time order',
    },
    'split-span': {
      type: 'string',
      valueName: 'faults|day',
      default: 'faults',
      choices: ['faults', 'day'],
      description: 'what the split fractions cut: up to 30 steps after the last labelled step, or the whole series',
    },
    levels: {
      type: 'string',
      valueName: 'list',
      description:
        'values of the varied parameter instead of the defaults (window: window lengths; scale: node ' +
        'counts), e.g. 8,12',
    },
    knobs: {
      type: 'string',
      valueName: 'list',
      description:
        'robustness only: the knobs to vary, of structuralNoise, rewiring, burstAmplitude (default: all three)',
    },
    seed: {
      type: 'string',
      valueName: 'S',
      default: '0',
      description: 'seed of the simulator and first model seed of every cell',
    },
    seeds: {
      type: 'string',
      valueName: 'n',
      description:
        `model seeds per cell, S … S + n − 1 (default: ${DEFAULT_ST_SEED_COUNT} for st-dda, ` + '1 for the baselines)',
    },
    out: { type: 'string', valueName: 'dir', description: 'output folder (default: bench-results/st/<experiment>)' },
    resume: {
      type: 'boolean',
      description: 'skip runs already in DIR/results.jsonl (without it, an existing results file is an error)',
    },
    shard: {
      type: 'string',
      valueName: 'i/n',
      description:
        'run only every n-th run from the i-th (1 ≤ i ≤ n); ' +
        'auto/n: i = $JOB_COMPLETION_INDEX + 1 (a Kubernetes Indexed Job, deploy/k8s/grid-job.yaml)',
    },
    ...backendOption,
    ...dataRootOption,
  },
  examples: [
    'driftwatch bench st compare',
    'driftwatch bench st compare --datasets nezha-ob --methods st-dda,gbdt --epochs 5 --out /tmp/st-ob',
    'driftwatch bench st window --datasets sim --methods st-dda,mlp',
    'driftwatch bench st scale --methods st-dda --seeds 5',
    'driftwatch bench st scale --methods st-dda,gbdt --shard 1/2 --out runs/scale-1',
    'driftwatch bench st robustness --resume --out bench-results/st/robustness',
    'driftwatch bench st compare --label-window fixed:3 --split-span day --datasets sim',
    'driftwatch report bench-results/st/compare bench-results/st/window --out bench-results/st/report.html',
  ],
});
