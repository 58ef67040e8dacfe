import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fetchDataset, readDatasetsLock, type FetchProgress, type FetchReport } from '@driftwatch/ingest';
import { UsageError } from '../cli-error';
import { listOption, optionalString, type Command, type OptionValues } from '../command';
import { progressBar } from '../progress';
import { dataRoot, datasetsLockPath } from '../workspace';
import { datasetsFetchDefinition } from './datasets-fetch.def';

/** Sizes as people read them (decimal units, like the data README). */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/**
 * The data root to fetch into: like every command (--data-root, $DRIFTWATCH_DATA, ../shared/datasets), except
 * that a folder named by the flag or the variable is created when missing, since filling it is the point.
 */
async function fetchRoot(values: OptionValues): Promise<string> {
  const named = optionalString(values, 'data-root') ?? (process.env.DRIFTWATCH_DATA || undefined);
  if (named && !existsSync(named)) await mkdir(resolve(named), { recursive: true });
  return dataRoot(values);
}

/** Sums the bytes of the downloads seen so far, for one bar over the whole data set. */
function byteCounter() {
  const sizes = new Map<string, { received: number; size?: number }>();
  return {
    add(p: FetchProgress) {
      sizes.set(p.url, { received: p.received, size: p.size });
    },
    received: () => [...sizes.values()].reduce((s, v) => s + v.received, 0),
    // a download of unknown size counts one byte more than it holds, so the bar never reads 100 % before the end
    total: (known: number) =>
      Math.max(
        known,
        [...sizes.values()].reduce((s, v) => s + (v.size ?? v.received + 1), 0),
      ),
  };
}

/** The closing lines for one data set: what was written, kept, resumed, and anything to look at. */
export function summaryLines(report: FetchReport, listed: Set<string>, root: string): string[] {
  const lines = [
    `${report.dataset}: ${report.written.length} file(s) written, ${report.present.length} already ` +
      `present; ${formatBytes(report.downloadedBytes)} downloaded into ${root}`,
  ];
  for (const r of report.resumed) lines.push(`  resumed ${r.url} from byte ${r.from}`);
  for (const n of report.notes) lines.push(`note: ${n}`);
  const unlisted = report.written.filter((p) => !listed.has(p));
  if (unlisted.length > 0) {
    lines.push(
      `note: ${unlisted.length} file(s) are not listed in datasets.lock (checked through their archive's ` +
        `published sha256; \`datasets verify\` names them as ` +
        `unlisted): ${unlisted.slice(0, 5).join(', ')}${unlisted.length > 5 ? ', …' : ''}`,
    );
  }
  return lines;
}

export const datasetsFetch: Command = {
  ...datasetsFetchDefinition,
  async run(values, positionals) {
    const lock = await readDatasetsLock(optionalString(values, 'lock') ?? datasetsLockPath());
    if (positionals.length === 0) {
      throw new UsageError(
        `name at least one data set to fetch: ${lock.datasets.map((d) => d.name).join(', ')}. Run ` +
          `'driftwatch datasets fetch --help'.`,
      );
    }
    const root = await fetchRoot(values);
    const only = listOption(values, 'only');
    for (const name of positionals) {
      const dataset = lock.datasets.find((d) => d.name === name);
      const known = (dataset?.downloads ?? []).reduce((s, d) => s + (d.bytes ?? 0), 0);
      const bar = progressBar(`fetch ${name}`, known);
      const bytes = byteCounter();
      try {
        const report = await fetchDataset(lock, name, root, {
          baseUrl: optionalString(values, 'base-url'),
          only,
          replace: values.replace === true,
          onProgress: (p) => {
            // the bar counts bytes; unpacking adds none (and would repeat the last line in a log)
            if (p.phase !== 'download') return;
            bytes.add(p);
            bar.setTotal(bytes.total(known));
            bar.update(
              bytes.received(),
              `${p.index}/${p.count} ${p.url.split('/').pop()} (${formatBytes(p.received)})`,
            );
          },
        });
        bar.done(`${formatBytes(report.downloadedBytes)} downloaded`);
        const listed = new Set(dataset!.files.map((f) => f.path));
        process.stdout.write(`${summaryLines(report, listed, root).join('\n')}\n`);
      } catch (error) {
        // end a redrawn bar's line, so the error stands on its own line
        if (process.stderr.isTTY) process.stderr.write('\n');
        throw error;
      }
    }
    return 0;
  },
};
