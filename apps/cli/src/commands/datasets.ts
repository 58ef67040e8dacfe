import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readDatasetsLock, unlistedEntities, unlistedFiles, verifyDatasets } from '@driftwatch/ingest';
import { optionalString, type Command, type OptionValues } from '../command';
import { dataRoot, datasetsLockPath } from '../workspace';
import { datasetsListDefinition, datasetsVerifyDefinition } from './datasets.def';

function lockPath(values: OptionValues): string {
  return optionalString(values, 'lock') ?? datasetsLockPath();
}
import { progressBar } from '../progress';
import { renderTable } from '../table';

function formatBytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

export const datasetsList: Command = {
  ...datasetsListDefinition,
  async run(values) {
    const lock = await readDatasetsLock(lockPath(values));
    let root: string | undefined;
    try {
      root = dataRoot(values);
    } catch {
      root = undefined;
    }
    const rows = lock.datasets.map((d) => {
      const present = root === undefined ? 0 : d.files.filter((f) => existsSync(join(root!, f.path))).length;
      const sources = ([] as { repository: string; commit: string }[]).concat(d.source as never);
      return [
        d.name,
        String(d.files.length),
        formatBytes(d.files.reduce((s, f) => s + f.bytes, 0)),
        d.licence,
        sources.map((s) => `${s.repository}@${s.commit.slice(0, 7)}`).join(' + '),
        root === undefined
          ? 'no data root'
          : present === d.files.length
            ? 'present'
            : `${present}/${d.files.length} files`,
      ];
    });
    process.stdout.write(
      renderTable(['name', 'files', 'size', 'licence', 'source', 'status'], rows, ['l', 'r', 'r', 'l', 'l', 'l']) +
        '\n',
    );
    process.stdout.write(
      root ? `data root: ${root}\n` : 'data root: not found (use --data-root DIR or DRIFTWATCH_DATA)\n',
    );
    return 0;
  },
};

export const datasetsVerify: Command = {
  ...datasetsVerifyDefinition,
  async run(values, positionals) {
    const lock = await readDatasetsLock(lockPath(values));
    const root = dataRoot(values);
    const names = positionals.length > 0 ? positionals : undefined;
    const total = lock.datasets.filter((d) => !names || names.includes(d.name)).reduce((s, d) => s + d.files.length, 0);
    const bar = progressBar('verify', total);
    const reports = await verifyDatasets(root, lock, names, (done) => bar.update(done));
    bar.done();
    const bad = reports.filter((r) => r.status !== 'ok');
    const extra = await unlistedFiles(root, lock, names);
    // an extra entity changes what train and bench compute, so it fails the check like a changed file
    const entities = unlistedEntities(lock, extra);
    const byDataset = new Map<string, { ok: number; total: number; entities: string[] }>();
    for (const r of reports) {
      const e = byDataset.get(r.dataset) ?? { ok: 0, total: 0, entities: [] };
      e.total++;
      if (r.status === 'ok') e.ok++;
      byDataset.set(r.dataset, e);
    }
    for (const r of bad) {
      const why =
        r.status === 'missing'
          ? 'missing'
          : r.status === 'size'
            ? `size ${r.actualBytes} bytes, expected ${r.expectedBytes}`
            : `sha256 ${r.actualSha256}, expected ${r.expectedSha256}`;
      process.stdout.write(`FAIL ${join(root, r.path)}: ${why}\n`);
    }
    for (const x of entities) {
      byDataset.get(x.dataset)?.entities.push(x.entity);
      process.stdout.write(
        `FAIL ${x.dataset}: entity ${x.entity} is not in the lock, yet train and bench would read it ` +
          `(${x.paths.join(', ')}); remove its files or use a lock that lists them\n`,
      );
    }
    for (const [name, e] of byDataset) {
      const failed = e.ok !== e.total || e.entities.length > 0;
      const unlisted = e.entities.length > 0 ? `, unlisted entities: ${e.entities.join(', ')}` : '';
      process.stdout.write(`${name}: ${failed ? 'FAILED' : 'ok'} (${e.ok}/${e.total} files ok${unlisted})\n`);
    }
    if (extra.length > 0) {
      process.stdout.write(
        `note: ${extra.length} file(s) under the data set folders are not in the lock (not checked):\n`,
      );
      for (const x of extra.slice(0, 20))
        process.stdout.write(`  ${x.path}${x.link ? ' (symbolic link: readers follow it, verify does not)' : ''}\n`);
      if (extra.length > 20) process.stdout.write(`  … and ${extra.length - 20} more\n`);
    }
    return bad.length === 0 && entities.length === 0 ? 0 : 1;
  },
};
