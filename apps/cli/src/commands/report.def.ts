import { dataRootOption, defineCommand } from '../command';

export const reportDefinition = defineCommand({
  path: ['report'],
  summary: 'one self-contained HTML page (or Markdown) with the plots and tables of benchmark results',
  usage:
    'driftwatch report <results dir or results.jsonl …> [--out report.html] [--format html|md] [--title text]\n' +
    '       driftwatch report <scores.csv|.arrow|.parquet> [--labels ranges.csv] [--out alarms.html]',
  description: [
    'Reads results.jsonl of each folder (with run.json and scores/<method>/<entity>.arrow beside it when a',
    'benchmark wrote them) and writes: box plots of peak F1 over the grid per method and test sequence,',
    'sensitivity curves (peak F1 vs smoothing and vs any varying numeric parameter), score densities (train',
    'normal / test normal / test anomalous), score timelines with thresholds and ground-truth ranges, tables',
    '(max, median, IQR over grids; label-free deployed thresholds; AUC-ROC, VUS, range-based, event-wise and',
    'affiliation metrics; point adjustment with PA%K and a random baseline), the configuration, machines, data',
    'checksums and caveats. The HTML needs no network: plots are inline SVG (Vega-Lite rendered in Node).',
    'Labels for the score files come from the data root. The output is written atomically.',
    '',
    'Given a score file of `driftwatch score --input` instead, it draws the alarms page: per entity the smoothed',
    'score with its threshold, the alarm episodes (from the episodes file beside it) labelled with their top',
    'features, and the labelled ranges of --labels; then the table of episodes.',
  ].join('\n'),
  arguments: [
    { name: 'results', variadic: true, description: 'results folders (holding results.jsonl) or results.jsonl files' },
  ],
  options: {
    out: {
      type: 'string',
      valueName: 'file',
      description:
        'file to write (default: bench-results/report.html, bench-results/report.md with --format md, ' +
        'bench-results/alarms.html for a score file)',
    },
    format: {
      type: 'string',
      valueName: 'html|md',
      default: 'html',
      choices: ['html', 'md'],
      description: 'html: the full report; md: tables and caveats as Markdown',
    },
    title: { type: 'string', valueName: 'text', description: 'page title (default: the methods and data sets)' },
    labels: {
      type: 'string',
      valueName: 'file',
      description: 'with a score file: a labels CSV (entity,start,end[,type]) whose ranges are shaded',
    },
    episodes: {
      type: 'string',
      valueName: 'file',
      description: 'with a score file: its episodes file (default: <scores minus extension>.episodes.csv)',
    },
    ...dataRootOption,
  },
  examples: [
    'driftwatch bench asd-loso --methods dense-divad-gm,iforest --servers 1,2,3 --out runs/asd && ' +
      'driftwatch report runs/asd --out asd.html',
    'driftwatch report runs/asd runs/asd-lr/results.jsonl --format md --out asd.md',
    'driftwatch report scores.csv --labels labels.csv --out alarms.html',
  ],
});
