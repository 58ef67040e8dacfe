import { backendOption, dataRootOption, defineCommand, defineOptions } from '../command';

/** The flags of every window-detector benchmark (`bench asd-loso`, `bench windows`) but which entities and --out. */
export const WINDOW_BENCH_OPTIONS = defineOptions({
  methods: {
    type: 'string',
    valueName: 'ids',
    default: 'dense-divad-gm,iforest',
    description: "comma-separated detector ids ('driftwatch methods' lists them)",
  },
  epochs: {
    type: 'string',
    valueName: 'N',
    default: '10',
    description:
      'maximum training epochs of the deep methods (the paper trains up to 300 with patience 100; 10 ' +
      'keeps a fold of Dense DIVAD near 5 minutes on 2 cores)',
  },
  'train-stride': {
    type: 'string',
    valueName: 'k',
    default: '1',
    description:
      'deep methods train on every k-th training window (windows of stride 1 share W−1 records; k > 1 ' +
      'trades data for time, stated on every results line as trainStride)',
  },
  seed: { type: 'string', valueName: 'S', default: '0', description: 'random seed of every method' },
  'lr-grid': {
    type: 'string',
    valueName: 'list',
    description:
      'train each deep method once per learning rate and keep the lowest validation loss (docs/divad.md ' +
      "§3.3); 'paper' = 1e-5,3e-5,1e-4,3e-4",
  },
  params: {
    type: 'string',
    valueName: 'json',
    description: 'parameter overrides, flat or keyed by method, e.g. \'{"dense-divad-gm":{"learningRate":1e-4}}\'',
  },
  resume: {
    type: 'boolean',
    description:
      'skip the (method, server) pairs already in DIR/results.jsonl (without it, an existing results ' +
      'file is an error)',
  },
  grid: {
    type: 'string',
    valueName: 'file',
    description:
      'grid file (JSON): methods × parameter lists × learning rates × smoothing factors; replaces ' +
      '--methods and --lr-grid',
  },
  shard: {
    type: 'string',
    valueName: 'i/n',
    description:
      'run only shard i of n of the (server, method) pairs (1 ≤ i ≤ n); ' +
      'auto/n: i = $JOB_COMPLETION_INDEX + 1 (a Kubernetes Indexed Job, deploy/k8s/grid-job.yaml)',
  },
  jobs: {
    type: 'string',
    valueName: 'N',
    description:
      'run the (server, configuration) units in N worker processes at once (default: 2 where there are 2 or more ' +
      'cores and units); the results are those of one process, appended as units finish',
  },
  ...backendOption,
  ...dataRootOption,
});

export const benchAsdLosoDefinition = defineCommand({
  path: ['bench', 'asd-loso'],
  summary: 'ASD leave-one-server-out benchmark (docs/divad.md §5b; = bench windows --protocol loso --dataset asd)',
  usage:
    'driftwatch bench asd-loso --methods <ids> [--servers <list>] [--epochs N] [--train-stride k] [--out ' +
    'DIR] [--resume] [--shard i/n] [--jobs N] [--backend X] [--seed S]',
  description: [
    'For each test server: the other servers (train part + test part each) are the training data, the last 15% of',
    'each is validation, the scaler is fitted on their normal training records, windows holding an anomaly are',
    "dropped; the test server's whole sequence is scored online and evaluated by peak F1 for every EWMA smoothing",
    'factor of the grid. One JSON line per (method, server, smoothing) goes to DIR/results.jsonl, appended with one',
    'write per line: an interrupted run loses nothing finished, and --resume skips the (method, server) pairs',
    'already there. --shard i/n runs every n-th pair from the i-th, so n machines can split a grid (each with its own',
    '--out; `driftwatch report` takes all the folders).',
    '',
    'The validation windows (normal, from the training servers) are scored too: label-free thresholds fitted on',
    'them (percentile, mean+k·std, median+k·MAD, IQR, POT) give the "deployed" figures of each line, next to the',
    'oracle peak F1. Record scores of the test server and the validation window scores go to',
    "DIR/scores/<method>/<server>.arrow, the data files' sha256 to DIR/run.json; DIVAD models also write 2-D",
    'projections of their zy and zd encodings (validation windows of every server and test windows) to',
    'DIR/latent/<method>/<server>.json. `driftwatch report DIR` draws them all.',
    '',
    '--jobs N fits N units at once, each in its own process (processes, not threads: on a busy 2-core machine two',
    'processes finish sooner). The workers send each finished unit back and this process appends it, so the',
    'folder has one writer and one lock; a failing worker stops the run with its error, the finished units stay,',
    'and --resume runs the rest.',
  ].join('\n'),
  options: {
    servers: {
      type: 'string',
      valueName: 'list',
      default: 'all',
      description: "held-out servers: numbers (1,2,3), names (omi-1) or 'all'",
    },
    out: { type: 'string', valueName: 'dir', description: 'output folder (default: bench-results/asd-loso)' },
    ...WINDOW_BENCH_OPTIONS,
  },
  examples: [
    'driftwatch bench asd-loso --methods dense-divad-gm,iforest --servers 1 --epochs 5',
    'driftwatch bench asd-loso --methods dense-divad-gm,iforest,mahalanobis --servers 1,2,3 --out /tmp/r',
    'driftwatch bench asd-loso --methods dense-divad-gm --servers 1 --epochs 30 --lr-grid paper',
    'driftwatch bench asd-loso --methods iforest --servers all --params \'{"iforest":{"nEstimators":200}}\'',
    'driftwatch bench asd-loso --methods dense-divad-gm,iforest --servers all --shard 2/4 --out runs/shard-2 --resume',
    'driftwatch bench asd-loso --grid grids/asd.json --servers 1,2,3 --out runs/asd-grid',
  ],
});
