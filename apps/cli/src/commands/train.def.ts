import { backendOption, dataRootOption, defineCommand } from '../command';

export const trainDefinition = defineCommand({
  path: ['train'],
  summary: 'train one detector on your metric files (or a shipped data set) and save it as a model directory',
  usage:
    'driftwatch train --input <file|dir> --method <id> --out <dir> [--map key=value …] [--train-range FROM..TO]\n' +
    '       driftwatch train --dataset asd|smd --method <id> --out <dir> [--hold-out <entity> | --entities <list>]',
  description: [
    'With --input: any file `driftwatch convert` reads (wide or long CSV, Arrow, Parquet, Prometheus JSON; a',
    'directory = every such file in it), mapped with the same --map/--mapping/--format flags. Files without an',
    'entity column are one entity each, named after the file; files of one entity are joined in time order.',
    'The feature plan is pinned in the manifest: counters are differenced (names ending in _total, _count, _sum,',
    '_bucket, or columns that never decrease and rise in at least half of their steps; --counters changes the',
    'rule), columns constant in training are dropped, the rest standardised on the normal training records.',
    "Validation = the last 15% of each entity's training range; records with a missing value, and windows of",
    '--labels ranges, are left out of training and validation. After fitting, the alarms are calibrated without',
    'labels on the validation windows: the smallest EWMA factor β (averaging at least 10 records) whose validation',
    'alarms form at most one episode per 1,000 records; the threshold is the larger --selector threshold (POT) of',
    'the smoothed validation and the smoothed training scores (the validation tail alone is the night of a day).',
    "With --dataset: the leave-one-out protocol of docs/divad.md §5b on a shipped data set (each training entity's",
    'whole sequence, its last 15% as validation, windows with anomalies dropped).',
  ].join('\n'),
  options: {
    input: {
      type: 'string',
      multiple: true,
      valueName: 'file|dir',
      description: 'your metric files or directories (repeatable); excludes --dataset',
    },
    map: {
      type: 'string',
      multiple: true,
      valueName: 'key=value',
      description:
        'column mapping as in convert, repeatable: timestamp=ts, timestampUnit=iso, entity=host, metrics=a,b',
    },
    mapping: { type: 'string', valueName: 'file', description: 'a JSON file with the same keys as --map (flags win)' },
    format: {
      type: 'string',
      valueName: 'name',
      choices: ['wide-csv', 'long-csv', 'arrow', 'parquet', 'prometheus'],
      description: 'input format (default: detected)',
    },
    'entity-column': { type: 'string', valueName: 'name', description: 'the column naming the entity of each row' },
    domain: {
      type: 'string',
      valueName: 'entity|none|column:NAME',
      default: 'entity',
      description: "DIVAD's domains: one per entity, one for all, or a column's value (constant within an entity)",
    },
    'train-range': {
      type: 'string',
      valueName: 'FROM..TO',
      description: 'train on these records of each entity (ISO times or record indexes, inclusive)',
    },
    'train-fraction': { type: 'string', valueName: 'F', description: 'train on the first F (0–1] of each entity' },
    labels: {
      type: 'string',
      valueName: 'file',
      description: 'labels CSV entity,start,end[,type]: windows touching these ranges are not trained on',
    },
    counters: {
      type: 'string',
      valueName: 'auto|none|a,b',
      default: 'auto',
      description: 'which columns are counters to difference (x_t − x_{t−1})',
    },
    selector: {
      type: 'string',
      valueName: 'name',
      default: 'pot',
      choices: ['pot', 'p99', 'mean+3std', 'median+3mad', 'iqr'],
      description: 'label-free threshold rule fitted on the smoothed validation scores',
    },
    'score-position': {
      type: 'string',
      valueName: 'where',
      default: 'last',
      choices: ['last', 'centre'],
      description: "the record a window's score belongs to: its last, or its centre",
    },
    method: { type: 'string', valueName: 'id', description: "detector id ('driftwatch methods' lists them)" },
    out: {
      type: 'string',
      valueName: 'dir',
      description: 'model directory to write: new, empty or a previous model (replaced atomically)',
    },
    force: { type: 'boolean', description: 'replace an --out that is not a model directory (never an input)' },
    dataset: {
      type: 'string',
      valueName: 'name',
      choices: ['asd', 'smd'],
      description: 'a shipped data set instead of --input (default asd when there is no --input)',
    },
    'hold-out': {
      type: 'string',
      valueName: 'entity',
      description: 'train on every entity but this one (e.g. omi-1 or 1)',
    },
    entities: { type: 'string', valueName: 'list', description: 'train on exactly these entities' },
    epochs: { type: 'string', valueName: 'N', description: 'maximum epochs of deep methods' },
    seed: { type: 'string', valueName: 'S', default: '0', description: 'random seed' },
    params: { type: 'string', valueName: 'json', description: 'parameter overrides, e.g. \'{"latentDim":8}\'' },
    ...backendOption,
    ...dataRootOption,
  },
  examples: [
    'driftwatch train --input metrics.csv --map timestamp=time --map timestampUnit=iso --map entity=host ' +
      '--method mahalanobis --out models/maha',
    'driftwatch train --input data/ --method dense-divad-gm --train-range 2026-01-01T00:00Z..2026-01-20T23:59Z ' +
      '--out models/gm',
    'driftwatch train --input metrics.parquet --labels incidents.csv --selector p99 --method pca --out models/pca',
    'driftwatch train --method dense-divad-gm --hold-out omi-1 --epochs 5 --out models/gm-omi1',
    'driftwatch train --method iforest --entities 2,3,4 --out models/if',
  ],
});
