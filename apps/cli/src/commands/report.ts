import { resolve } from 'node:path';
import { writeFileAtomic } from '@driftwatch/ingest';
import { buildReport, renderFigures, renderHtml, renderMarkdown } from '@driftwatch/report';
import { dataRootOption, optionalString, type Command } from '../command';
import { dataRoot } from '../workspace';
import { loadReportInput } from '../experiments/report-input';
import { progressBar } from '../progress';
import { UsageError } from '../cli-error';

export const report: Command = {
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
  options: {
    out: { type: 'string', valueName: 'file', description: 'file to write (default: report.html, or report.md with --format md)' },
    format: { type: 'string', valueName: 'html|md', default: 'html', description: 'html: the full report; md: tables and caveats as Markdown' },
    title: { type: 'string', valueName: 'text', description: 'page title (default: the methods and data sets)' },
    ...dataRootOption,
  },
  examples: [
    'driftwatch bench asd-loso --methods dense-divad-gm,iforest --servers 1,2,3 --out runs/asd && driftwatch report runs/asd --out asd.html',
    'driftwatch report runs/asd runs/asd-lr/results.jsonl --format md --out asd.md',
  ],
  async run(values, positionals) {
    if (positionals.length === 0) throw new UsageError('report: name at least one results folder or results.jsonl file');
    const format = optionalString(values, 'format') ?? 'html';
    if (format !== 'html' && format !== 'md') throw new UsageError(`--format expects html or md, got '${format}'`);
    const out = resolve(optionalString(values, 'out') ?? (format === 'md' ? 'report.md' : 'report.html'));
    const bar = progressBar('report', 3);
    const input = await loadReportInput(positionals, { dataRoot: () => dataRoot(values), title: optionalString(values, 'title') });
    bar.update(1, `${input.results.length} results lines, ${input.series.length} score series`);
    const built = buildReport(input);
    bar.update(2, `${built.figures.length} figures, ${built.tables.length} tables`);
    const text = format === 'md' ? renderMarkdown(built) : renderHtml(await renderFigures(built));
    await writeFileAtomic(out, text);
    bar.done(`${format === 'md' ? `${built.tables.length} tables` : `${built.figures.length} figures, ${built.tables.length} tables`} → ${out}`);
    return 0;
  },
};
