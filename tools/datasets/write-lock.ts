// Writes datasets.lock at the repository root: for every data set folder under the data root, its source
// (GitHub repository, commit, paths), licence, layout, and each file's path, size and sha256.
//
//   npm run lock:datasets -- [DATA_ROOT]      (node tools/run-ts.mjs tools/datasets/write-lock.ts [DATA_ROOT])
//
// Data root: the argument, else DRIFTWATCH_DATA, else ../shared/datasets next to the repository root.
// Provenance comes from the data root's README.md and is kept in PROVENANCE below; a folder without an
// entry (or an entry without a folder) stops the script, so the lock never silently drops a data set.
// Where each data set can be downloaded from (`driftwatch datasets fetch`) comes from downloads.json next
// to this script; its GitHub rules are expanded against the locked files, so a rule that matches nothing,
// or a file matched twice, stops the script too.
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import {
  findRepoRoot,
  parseDatasetsLock,
  sha256File,
  writeFileAtomic,
  type DatasetsLock,
  type LockedDataset,
} from '@driftwatch/ingest';

type LockDownload = NonNullable<LockedDataset['downloads']>[number];

/**
 * A rule of downloads.json: the locked files matching `to` are the files at `from` in a GitHub repository ('*' is the
 * same text in both).
 */
export interface GitHubRule {
  github: { repository: string; commit: string; from: string; to: string; convert?: LockDownload['convert'] };
}

/** downloads.json: per data set, GitHub rules and downloads written into the lock as they are. */
export type DownloadSources = Record<string, (GitHubRule | LockDownload)[]>;

/** Raw file URL of GitHub for a path at a commit (each path segment percent-encoded). */
export function rawGitHubUrl(repository: string, commit: string, path: string): string {
  return (
    `https://raw.githubusercontent.com/${repository}/${commit}/` +
    `${path.split('/').map(encodeURIComponent).join('/')}`
  );
}

/** `pattern` with one '*' as a regular expression capturing the starred text. */
function starPattern(pattern: string): RegExp {
  const [head, ...rest] = pattern.split('*');
  if (rest.length > 1) throw new Error(`downloads.json: at most one '*' in ${pattern}`);
  const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(rest.length === 0 ? `^${escape(head)}$` : `^${escape(head)}(.+)${escape(rest[0])}$`);
}

/**
 * The downloads of one data set: GitHub rules expanded over its locked files (a byte copy takes the file's
 * sha256 and size; a converted file leaves them to the output check), other entries as written.
 */
export function expandDownloads(
  dataset: Pick<LockedDataset, 'name' | 'files'>,
  sources: (GitHubRule | LockDownload)[],
): LockDownload[] {
  const out: LockDownload[] = [];
  const claimed = new Set<string>();
  for (const source of sources) {
    if (!('github' in source)) {
      out.push(source);
      continue;
    }
    const { repository, commit, from, to, convert } = source.github;
    const match = starPattern(to);
    const files = dataset.files.filter((f) => match.test(f.path));
    if (files.length === 0) throw new Error(`downloads.json: ${dataset.name}: no locked file matches ${to}`);
    for (const f of files) {
      if (claimed.has(f.path)) throw new Error(`downloads.json: ${dataset.name}: ${f.path} is matched by two rules`);
      claimed.add(f.path);
      const upstream = from.replace('*', match.exec(f.path)![1] ?? '');
      const url = rawGitHubUrl(repository, commit, upstream);
      out.push(
        convert
          ? {
              url,
              published:
                'no checksum is published for the source file; the converted file is checked against datasets.lock',
              unpack: 'none',
              convert,
              to: f.path,
            }
          : {
              url,
              sha256: f.sha256,
              bytes: f.bytes,
              published: 'datasets.lock: the file is a byte copy of the source file at this commit',
              unpack: 'none',
              to: f.path,
            },
      );
    }
  }
  return out;
}

/** Reads downloads.json (keys starting with '$' are comments). */
export async function readDownloadSources(path: string): Promise<DownloadSources> {
  const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('$'))) as DownloadSources;
}

const INTERFUSION = { repository: 'zhhlee/InterFusion', commit: '8c85d511c1f070669ba8c5cf097b8fa4a202d15b' };

/** Per data set folder: where it comes from, under which licence, and which reader understands it. */
export const PROVENANCE: Record<string, Pick<LockedDataset, 'source' | 'licence' | 'layout'>> = {
  asd: {
    source: {
      ...INTERFUSION,
      paths: [
        'data/processed/omi-*_train.pkl',
        'data/processed/omi-*_test.pkl',
        'data/processed/omi-*_test_label.pkl',
        'data/interpretation_label/omi-*.txt',
        'data/interpretation_label/anomaly_type.txt',
        'LICENSE',
      ],
    },
    licence: 'MIT',
    layout: 'omnianomaly',
  },
  smd: {
    source: [
      {
        ...INTERFUSION,
        paths: [
          'data/processed/machine-2-1_train.pkl',
          'data/processed/machine-2-1_test.pkl',
          'data/processed/machine-2-1_test_label.pkl',
          'data/processed/machine-3-4_train.pkl',
          'data/processed/machine-3-4_test.pkl',
          'data/processed/machine-3-4_test_label.pkl',
          'data/interpretation_label/machine-2-1.txt',
          'data/interpretation_label/machine-3-4.txt',
          'LICENSE',
        ],
      },
      {
        repository: 'NetManAIOps/OmniAnomaly',
        commit: '7fb0e0acf89ea49908896bcc9f9e80fcfff6baf4',
        paths: ['ServerMachineDataset/LICENSE'],
      },
    ],
    licence: 'MIT',
    layout: 'omnianomaly',
  },
  nezha: {
    source: {
      repository: 'IntelligentDDS/Nezha',
      commit: 'd8140101fdb4e7dfb60d3ef9f64706f382b68470',
      paths: [
        'construct_data/2022-08-22/metric/',
        'construct_data/2023-01-29/metric/',
        'construct_data/2023-01-29/trace/08_50_trace.csv',
        'construct_data/2023-01-29/traceid/08_50_traceid.csv',
        'construct_data/root_cause_hipster.json',
        'construct_data/root_cause_ts.json',
        'rca_data/2022-08-22/2022-08-22-fault_list.json',
        'rca_data/2023-01-29/2023-01-29-fault_list.json',
        'rca_data/2023-01-29/trace/',
        'rca_data/2023-01-29/traceid/',
        'rca_data/2023-01-29/log/10_22_log.csv',
        'LICENSE',
      ],
    },
    licence: 'MIT',
    layout: 'nezha',
  },
  exathlon: {
    source: {
      repository: 'exathlonbenchmark/exathlon',
      commit: '4101f6087f902fa150e392b65c957976faa84e40',
      paths: ['data/raw/app1/1_0_100000_15.zip', 'data/raw/app6/6_0_50000_48.zip', 'data/raw/ground_truth.zip'],
    },
    licence: 'CC-BY-NC-SA-4.0 (data)',
    layout: 'exathlon',
  },
  'alibaba-v2018': {
    source: {
      repository: 'alibaba/clusterdata',
      commit: '7a6c496e4f4b6ce6150be8f881cb051bf2abff42',
      paths: [
        'cluster-trace-v2018/schema.txt',
        'cluster-trace-v2018/trace_2018.md',
        'cluster-trace-v2018/fetchData.sh',
      ],
    },
    licence: 'none stated (research or study use, per the repository README)',
    layout: 'schema-only',
  },
};

/** Every regular file under `dir`, as paths relative to `root` with forward slashes. */
async function listFiles(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, full)));
    else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
    else throw new Error(`${full}: only plain files and folders can be locked`);
  }
  return out;
}

/** Code-unit order, the same on every machine (no locale). */
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function buildLock(dataRoot: string, downloads: DownloadSources = {}): Promise<DatasetsLock> {
  const folders = (await readdir(dataRoot, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(byCodeUnit);
  const unknown = folders.filter((f) => !(f in PROVENANCE));
  const strayDownloads = Object.keys(downloads).filter((n) => !(n in PROVENANCE));
  if (strayDownloads.length > 0)
    throw new Error(`downloads.json names data set(s) without a PROVENANCE entry: ${strayDownloads.join(', ')}`);
  const absent = Object.keys(PROVENANCE).filter((n) => !folders.includes(n));
  if (unknown.length > 0 || absent.length > 0) {
    throw new Error(
      [
        unknown.length > 0
          ? `no provenance entry for folder(s) ${unknown.join(', ')}: add them to PROVENANCE in ` +
            `tools/datasets/write-lock.ts`
          : '',
        absent.length > 0 ? `folder(s) missing under ${dataRoot}: ${absent.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }
  const datasets: LockedDataset[] = [];
  for (const name of folders) {
    const paths = (await listFiles(dataRoot, join(dataRoot, name))).sort(byCodeUnit);
    const files: LockedDataset['files'] = [];
    for (const path of paths) {
      const full = join(dataRoot, ...path.split('/'));
      files.push({ path, bytes: (await stat(full)).size, sha256: await sha256File(full) });
    }
    const { source, licence, layout } = PROVENANCE[name];
    const entry: LockedDataset = {
      name,
      source,
      licence,
      layout,
      bytes: files.reduce((s, f) => s + f.bytes, 0),
      files,
    };
    if (downloads[name]) entry.downloads = expandDownloads(entry, downloads[name]);
    datasets.push(entry);
  }
  const lock: DatasetsLock = { format: 1, datasets };
  // the same checks every reader of the lock applies (downloads inside their folder, every output verifiable)
  parseDatasetsLock(JSON.stringify(lock), 'the lock being written');
  return lock;
}

async function main() {
  const repoRoot = findRepoRoot(process.cwd());
  if (!repoRoot) throw new Error('run from inside the repository (no folder with nx.json above the working directory)');
  const dataRoot = resolve(
    process.argv[2] || process.env.DRIFTWATCH_DATA || join(repoRoot, '..', 'shared', 'datasets'),
  );
  if (!existsSync(dataRoot))
    throw new Error(`data root ${dataRoot} does not exist; pass it as the first argument or set DRIFTWATCH_DATA`);
  const lock = await buildLock(
    dataRoot,
    await readDownloadSources(join(repoRoot, 'tools', 'datasets', 'downloads.json')),
  );
  const target = join(repoRoot, 'datasets.lock');
  await writeFileAtomic(target, `${JSON.stringify(lock, null, 2)}\n`);
  const files = lock.datasets.reduce((n, d) => n + d.files.length, 0);
  const bytes = lock.datasets.reduce((n, d) => n + d.bytes, 0);
  console.log(
    `wrote ${relative(process.cwd(), target) || target}: ${lock.datasets.length} data sets, ${files} ` +
      `files, ${bytes} bytes`,
  );
}

main().catch((error) => {
  console.error(`write-lock: ${error.message}`);
  process.exit(1);
});
