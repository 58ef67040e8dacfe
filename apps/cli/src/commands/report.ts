import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { resultMethodOrder } from '@driftwatch/experiments';
import { checkOutputFile, writeFileAtomic } from '@driftwatch/ingest';
import { alarmsPage, buildReport, renderFigures, renderHtml, renderMarkdown } from '@driftwatch/report';
import { optionalString, type Command, type OptionValues } from '../command';
import { isRecordScorePath, loadAlarmsPage } from '../alarms-input';
import { dataRoot } from '../workspace';
import { loadReportInput, resolveResultsPath } from '../report-input';
import { progressBar } from '../progress';
import { UsageError } from '../cli-error';
import { reportDefinition } from './report.def';

/**
 * Where a report goes without --out: bench-results/ of the working directory, where the benchmarks write and
 * which the repository ignores, so that a report made at the repository root does not litter it.
 */
export function defaultReportPath(name: string): string {
  return join('bench-results', name);
}

/** Writes the file, creating the default output folder when --out was not given (a named folder must exist). */
async function writeReport(out: string, defaulted: boolean, text: string): Promise<void> {
  if (defaulted) await mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, text);
}

/** The files a results report reads that a report could overwrite: each results file and its run.json. */
async function reportInputs(positionals: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const given of positionals) {
    const { file, dir } = await resolveResultsPath(given);
    files.push(file, join(dir, 'run.json'));
  }
  return files;
}

/** The alarms page of one record-score file. */
async function alarmsReport(values: OptionValues, positionals: string[], format: string): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError('report: give one score file (or results folders and results.jsonl files, not both)');
  if (format !== 'html') throw new UsageError('report: a score file gives an HTML page; leave out --format md');
  const given = optionalString(values, 'out');
  const out = resolve(given ?? defaultReportPath('alarms.html'));
  const alsoRead = ['episodes', 'labels'].map((flag) => optionalString(values, flag)).filter((p) => p !== undefined);
  checkOutputFile('--out', out, [positionals[0], ...alsoRead]);
  const bar = progressBar('report', 2);
  const page = await loadAlarmsPage(resolve(positionals[0]), {
    episodes: optionalString(values, 'episodes'),
    labels: optionalString(values, 'labels'),
    title: optionalString(values, 'title'),
  });
  bar.update(1, page.summary);
  await writeReport(out, given === undefined, await alarmsPage(page));
  bar.done(`${page.series.length} timelines, ${page.episodes.length} episodes → ${out}`);
  return 0;
}

export const report: Command = {
  ...reportDefinition,
  async run(values, positionals) {
    if (positionals.length === 0)
      throw new UsageError('report: name at least one results folder or results.jsonl file');
    const format = optionalString(values, 'format') ?? 'html';
    if (format !== 'html' && format !== 'md') throw new UsageError(`--format expects html or md, got '${format}'`);
    if (positionals.some(isRecordScorePath)) return alarmsReport(values, positionals, format);
    for (const flag of ['labels', 'episodes'])
      if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with a score file of driftwatch score`);
    const given = optionalString(values, 'out');
    const out = resolve(given ?? defaultReportPath(format === 'md' ? 'report.md' : 'report.html'));
    checkOutputFile('--out', out, await reportInputs(positionals));
    const bar = progressBar('report', 3);
    const input = await loadReportInput(positionals, {
      dataRoot: () => dataRoot(values),
      title: optionalString(values, 'title'),
    });
    bar.update(1, `${input.results.length} results lines, ${input.series.length} score series`);
    const built = buildReport({ ...input, methodOrder: resultMethodOrder() });
    bar.update(2, `${built.figures.length} figures, ${built.tables.length} tables`);
    const text = format === 'md' ? renderMarkdown(built) : renderHtml(await renderFigures(built));
    await writeReport(out, given === undefined, text);
    bar.done(
      (format === 'md'
        ? `${built.tables.length} tables`
        : `${built.figures.length} figures, ${built.tables.length} tables`) + ` → ${out}`,
    );
    return 0;
  },
};
