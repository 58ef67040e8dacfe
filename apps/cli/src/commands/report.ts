import { resolve } from 'node:path';
import { resultMethodOrder } from '@driftwatch/experiments';
import { writeFileAtomic } from '@driftwatch/ingest';
import { buildReport, renderFigures, renderHtml, renderMarkdown } from '@driftwatch/report';
import { optionalString, type Command } from '../command';
import { dataRoot } from '../workspace';
import { loadReportInput } from '../report-input';
import { progressBar } from '../progress';
import { UsageError } from '../cli-error';
import { reportDefinition } from './report.def';

export const report: Command = {
  ...reportDefinition,
  async run(values, positionals) {
    if (positionals.length === 0)
      throw new UsageError('report: name at least one results folder or results.jsonl file');
    const format = optionalString(values, 'format') ?? 'html';
    if (format !== 'html' && format !== 'md') throw new UsageError(`--format expects html or md, got '${format}'`);
    const out = resolve(optionalString(values, 'out') ?? (format === 'md' ? 'report.md' : 'report.html'));
    const bar = progressBar('report', 3);
    const input = await loadReportInput(positionals, {
      dataRoot: () => dataRoot(values),
      title: optionalString(values, 'title'),
    });
    bar.update(1, `${input.results.length} results lines, ${input.series.length} score series`);
    const built = buildReport({ ...input, methodOrder: resultMethodOrder() });
    bar.update(2, `${built.figures.length} figures, ${built.tables.length} tables`);
    const text = format === 'md' ? renderMarkdown(built) : renderHtml(await renderFigures(built));
    await writeFileAtomic(out, text);
    bar.done(
      (format === 'md'
        ? `${built.tables.length} tables`
        : `${built.figures.length} figures, ${built.tables.length} tables`) + ` → ${out}`,
    );
    return 0;
  },
};
