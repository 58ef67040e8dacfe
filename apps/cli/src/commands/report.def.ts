import { dataRootOption, defineCommand } from '../command';

export const reportDefinition = defineCommand({
  path: ['report'],
  summary: 'one self-contained HTML page (or Markdown) with the plots and tables of benchmark results',
  usage: 'driftwatch report <results dir or results.jsonl …> [--out report.html] [--format html|md] [--title text]',
  description: [
    'Reads results.jsonl of each folder (with run.json and scores/<method>/<entity>.arrow beside it when a',
    'benchmark wrote them) and writes: box plots of peak F1 over the grid per method and test sequence,',
    'sensitivity curves (peak F1 vs smoothing and vs any varying numeric parameter), score densities (train',
    'normal / test normal / test anomalous), score timelines with thresholds and ground-truth ranges, tables',
    '(max, median, IQR over grids; label-free deployed thresholds; AUC-ROC, VUS, range-based, event-wise and',
    'affiliation metrics; point adjustment with PA%K and a random baseline), the configuration, machines, data',
    'checksums and caveats. The HTML needs no network: plots are inline SVG (Vega-Lite rendered in Node).',
    'Labels for the score files come from the data root. The output is written atomically.',
  ].join('\n'),
  arguments: [
    { name: 'results', variadic: true, description: 'results folders (holding results.jsonl) or results.jsonl files' },
  ],
  options: {
    out: {
      type: 'string',
      valueName: 'file',
      description: 'file to write (default: report.html, or report.md with --format md)',
    },
    format: {
      type: 'string',
      valueName: 'html|md',
      default: 'html',
      choices: ['html', 'md'],
      description: 'html: the full report; md: tables and caveats as Markdown',
    },
    title: { type: 'string', valueName: 'text', description: 'page title (default: the methods and data sets)' },
    ...dataRootOption,
  },
  examples: [
    'driftwatch bench asd-loso --methods dense-divad-gm,iforest --servers 1,2,3 --out runs/asd && ' +
      'driftwatch report runs/asd --out asd.html',
    'driftwatch report runs/asd runs/asd-lr/results.jsonl --format md --out asd.md',
  ],
});
