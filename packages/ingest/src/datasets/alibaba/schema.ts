import type { CsvColumn } from '../../stream/csv-batches';

/**
 * The six tables of Alibaba cluster-trace-v2018, their columns in file order and how each is typed when
 * read. Source of every column: alibaba-v2018/schema.txt of the data root (a restatement of upstream
 * schema.txt and trace_2018.md of alibaba/clusterdata).
 */
export type AlibabaTableName =
  'machine_meta' | 'machine_usage' | 'container_meta' | 'container_usage' | 'batch_task' | 'batch_instance';

/** Upstream (Hive/ODPS-style) column types as schema.txt lists them. */
export type UpstreamType = 'string' | 'bigint' | 'double';

export interface AlibabaColumn extends CsvColumn {
  /** the type schema.txt gives the column */
  upstream: UpstreamType;
  /** −1 and 101 mean "invalid" in this column and are read as missing */
  invalidSentinels?: boolean;
}

/** Order of the tables in schema.txt (§1–§6); also the order loadAlibaba reads them in. */
export const ALIBABA_TABLE_NAMES: readonly AlibabaTableName[] = [
  'machine_meta',
  'machine_usage',
  'container_meta',
  'container_usage',
  'batch_task',
  'batch_instance',
];

/** The −1/101 sentinels (schema.txt, "General facts": "Invalid values are set to -1 or 101"). */
export const INVALID_SENTINELS: readonly number[] = [-1, 101];

// Typing rules, applied column by column below:
// - string ids with few distinct values (machines, containers, deploy units, statuses, task types,
//   failure domains) → dictionary; ids that can reach millions (job, task and instance names) → utf8,
//   because a dictionary column carries all its keys in every batch;
// - time_stamp, start_time, end_time (seconds from the trace start, schema.txt "General facts")
//   → timestamp, held as ms from the trace start (0), not Unix time;
// - bigint counts and enumerations (cpu_num, instance_num, seq_no, failure_domain_1) → int64;
// - every measured or normalised quantity (bigint or double upstream) → float64, so that missing and
//   invalid values can become NaN in metric sequences;
// - invalidSentinels: the columns schema.txt gives the range [0, 100] (normalised or percent), plus
//   container_usage.cpu_util_percent and mem_util_percent (percent by name in schema.txt; trace_2018.md
//   revision 01251c2e gives them "[0, 100]. There are some invalid values and they are set to -1 or
//   101") and batch_instance.mem_avg (normalised, the same rescaling as mem_max). Not: mkpi/mpki/cpi (no
//   range upstream) and the 1/100-core columns (cpu_request, cpu_limit, plan_cpu, cpu_avg, cpu_max), where
//   101 is a valid 1.01 cores.
const id = (name: string): AlibabaColumn => ({ name, type: 'dictionary', upstream: 'string' });
const text = (name: string): AlibabaColumn => ({ name, type: 'utf8', upstream: 'string' });
const time = (name: string, upstream: UpstreamType): AlibabaColumn => ({
  name,
  type: 'timestamp',
  unit: 's',
  upstream,
});
const count = (name: string): AlibabaColumn => ({ name, type: 'int64', upstream: 'bigint' });
const quantity = (name: string, upstream: UpstreamType): AlibabaColumn => ({ name, type: 'float64', upstream });
const bounded = (name: string, upstream: UpstreamType): AlibabaColumn => ({
  name,
  type: 'float64',
  upstream,
  invalidSentinels: true,
});

/** Column specs of every table, in file column order (schema.txt §1–§6). */
export const ALIBABA_TABLES: Readonly<Record<AlibabaTableName, readonly AlibabaColumn[]>> = {
  machine_meta: [
    id('machine_id'),
    time('time_stamp', 'bigint'),
    count('failure_domain_1'),
    id('failure_domain_2'),
    count('cpu_num'),
    bounded('mem_size', 'bigint'),
    id('status'),
  ],
  machine_usage: [
    id('machine_id'),
    time('time_stamp', 'double'),
    bounded('cpu_util_percent', 'bigint'),
    bounded('mem_util_percent', 'bigint'),
    bounded('mem_gps', 'double'),
    quantity('mkpi', 'bigint'),
    bounded('net_in', 'double'),
    bounded('net_out', 'double'),
    bounded('disk_io_percent', 'double'),
  ],
  container_meta: [
    id('container_id'),
    id('machine_id'),
    time('time_stamp', 'bigint'),
    id('app_du'),
    id('status'),
    quantity('cpu_request', 'bigint'),
    quantity('cpu_limit', 'bigint'),
    bounded('mem_size', 'double'),
  ],
  container_usage: [
    id('container_id'),
    id('machine_id'),
    time('time_stamp', 'double'),
    bounded('cpu_util_percent', 'bigint'),
    bounded('mem_util_percent', 'bigint'),
    quantity('cpi', 'double'),
    bounded('mem_gps', 'double'),
    quantity('mpki', 'bigint'),
    bounded('net_in', 'double'),
    bounded('net_out', 'double'),
    bounded('disk_io_percent', 'double'),
  ],
  batch_task: [
    text('task_name'),
    count('instance_num'),
    text('job_name'),
    id('task_type'),
    id('status'),
    time('start_time', 'bigint'),
    time('end_time', 'bigint'),
    quantity('plan_cpu', 'double'),
    bounded('plan_mem', 'double'),
  ],
  batch_instance: [
    text('instance_name'),
    text('task_name'),
    text('job_name'),
    id('task_type'),
    id('status'),
    time('start_time', 'bigint'),
    time('end_time', 'bigint'),
    id('machine_id'),
    count('seq_no'),
    count('total_seq_no'),
    quantity('cpu_avg', 'double'),
    quantity('cpu_max', 'double'),
    bounded('mem_avg', 'double'),
    bounded('mem_max', 'double'),
  ],
};

/** Metric columns of machine_usage that become a machine's features, in file order (schema.txt §2). */
export const MACHINE_METRICS: readonly string[] = ALIBABA_TABLES.machine_usage.slice(2).map((c) => c.name);

/** Metric columns of container_usage that become a container's features, in file order (schema.txt §4). */
export const CONTAINER_METRICS: readonly string[] = ALIBABA_TABLES.container_usage.slice(3).map((c) => c.name);

/** The file a table is read from: `<table>.csv`, or its gzip `<table>.csv.gz` (trace_2018.md, §2.1). */
export function tableFileNames(table: AlibabaTableName): string[] {
  return [`${table}.csv`, `${table}.csv.gz`];
}

/** One official download archive (schema.txt, "Official download files"). */
export interface AlibabaArchive {
  file: string;
  sha256: string;
  /** size as `ls -sh` prints it upstream */
  size: string;
}

/** Base URL of the archives (fetchData.sh, restated in schema.txt). */
export const ALIBABA_DOWNLOAD_BASE = 'http://aliopentrace.oss-cn-beijing.aliyuncs.com/v2018Traces/';

/** The per-table archives and the single archive, with upstream sha256 and sizes (schema.txt). */
export const ALIBABA_ARCHIVES: Readonly<Record<AlibabaTableName | 'all', AlibabaArchive>> = {
  batch_instance: {
    file: 'batch_instance.tar.gz',
    size: '20G',
    sha256: 'e73e5a9326669aa079ba20048ddd759383cabe1fe3e58620aa75bd034e2450c6',
  },
  batch_task: {
    file: 'batch_task.tar.gz',
    size: '125M',
    sha256: '7c4b32361bd1ec2083647a8f52a6854a03bc125ca5c202652316c499fbf978c6',
  },
  container_meta: {
    file: 'container_meta.tar.gz',
    size: '2.4M',
    sha256: 'febd75e693d1f208a8941395e7faa7e466e50d21c256eff12a815b7e2fa2053f',
  },
  container_usage: {
    file: 'container_usage.tar.gz',
    size: '28G',
    sha256: 'b4bd3b1b82f5407c1b0dd47fe736ff5152c4b016a9c30cb26f988e2d1c5e5031',
  },
  machine_meta: {
    file: 'machine_meta.tar.gz',
    size: '92K',
    sha256: 'b5b1b786b22cd413a3674b8f2ebfb2f02fac991c95df537f363ef2797c8f6d55',
  },
  machine_usage: {
    file: 'machine_usage.tar.gz',
    size: '1.7G',
    sha256: '3e6ee87fd204bb85b9e234c5c75a5096580fdabc8f085b224033080090753a7a',
  },
  all: {
    file: 'alibaba_clusterdata_v2018.tar.gz',
    size: '49G',
    sha256: 'ccb3dc93786507dd42eed29ef62c82220d07f877f269e5fad39f31bf75134ed1',
  },
};

/** Where the tables come from, as lines for an error message (schema.txt, "Official download files"). */
export function describeAlibabaDownloads(tables: readonly AlibabaTableName[] = ALIBABA_TABLE_NAMES): string[] {
  return [
    `The trace is not distributed with driftwatch. Download the per-table archives from ${ALIBABA_DOWNLOAD_BASE}<file>`,
    '(alibaba/clusterdata, cluster-trace-v2018/fetchData.sh), check their sha256, and extract the CSV ' +
      'files into this folder:',
    ...tables.map(
      (t) =>
        `  ${ALIBABA_ARCHIVES[t].file} (${ALIBABA_ARCHIVES[t].size}) sha256 ${ALIBABA_ARCHIVES[t].sha256} → ${t}.csv`,
    ),
    `or the single archive ${ALIBABA_ARCHIVES.all.file} (${ALIBABA_ARCHIVES.all.size}) ` +
      `sha256 ${ALIBABA_ARCHIVES.all.sha256}.`,
    '`driftwatch datasets fetch alibaba-v2018` downloads, verifies and extracts the six archives into the data root.',
  ];
}
