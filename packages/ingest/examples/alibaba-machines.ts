// Loads Alibaba cluster-trace-v2018 tables and prints the machines' metric sequences, the job DAGs and
// the placements. With a folder argument it reads the tables found there (machine_meta.csv …
// batch_instance.csv, or .csv.gz); without one it writes a small seeded sample into a temporary folder
// first, since the data root holds only the schema of this trace.
//   npm run ts -- packages/ingest/examples/alibaba-machines.ts [DIR]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dagStats, loadAlibaba, placementsByMachine } from '../src/index';
import { writeAlibabaSample } from '../src/testing';

const seconds = (ms: number) => `${ms / 1000} s`;

async function main(): Promise<void> {
  let dir = process.argv[2];
  let temporary: string | undefined;
  if (!dir) {
    temporary = await mkdtemp(join(tmpdir(), 'alibaba-example-'));
    dir = temporary;
    const sample = await writeAlibabaSample(dir, { machines: 6, containers: 10, jobs: 40, seconds: 3600, seed: 2018 });
    console.log(
      `no folder given: wrote a seeded sample (${sample.machineIds.length} ` +
        `machines, ${sample.containerIds.length} containers, ${sample.jobNames.length} jobs, 1 h)`,
    );
  }
  try {
    const data = await loadAlibaba(dir);
    console.log(
      `tables: ${Object.entries(data.tables)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}`,
    );
    const raw = data.rawStepMs.machine_usage;
    console.log(
      `machine_usage: raw step ${raw === undefined ? 'n/a' : seconds(raw)}, resampled ` +
        `to ${data.stepMs === null ? 'raw' : seconds(data.stepMs)} (mean per step)`,
    );

    console.log(`machines (${data.machines.length}):`);
    for (const m of data.machines) {
      const width = m.features.length;
      let sum = 0;
      for (let t = 0; t < m.length; t++) sum += m.values[t * width];
      const first = Number(m.timestamps![0]);
      const last = Number(m.timestamps![m.length - 1]);
      console.log(
        `  ${m.entity.padEnd(8)} domain ${m.domain.padEnd(13)} ${m.length} steps ${seconds(first)} ` +
          `… ${seconds(last)}, mean cpu_util_percent ${(sum / m.length).toFixed(1)}`,
      );
    }
    const appDus = new Set(data.containers.map((c) => c.domain));
    console.log(
      `containers: ${data.containers.length} sequences × ${data.containers[0]?.features.length ?? 0} ` +
        `features in ${appDus.size} app_du domains`,
    );

    const stats = dagStats(data.dags);
    const depths = new Map<number, number>();
    for (const dag of data.dags) if (dag.depth !== null) depths.set(dag.depth, (depths.get(dag.depth) ?? 0) + 1);
    console.log(
      `DAGs: ${stats.jobs} jobs, ${stats.tasks} tasks (${stats.dagTasks} in ` +
        `DAGs, ${stats.independentTasks} independent), ${stats.edges} edges, ${stats.jobsWithEdges} jobs with ` +
        `edges`,
    );
    console.log(
      `  jobs by depth: ${[...depths]
        .sort((a, b) => a[0] - b[0])
        .map(([d, n]) => `${d}: ${n}`)
        .join(', ')}; problems: ${JSON.stringify(stats.problems)}`,
    );
    const deepest = data.dags.reduce((best, dag) => ((dag.depth ?? 0) > (best?.depth ?? 0) ? dag : best), data.dags[0]);
    if (deepest)
      console.log(
        `  deepest: ${deepest.job} [${deepest.order?.join(' → ')}], ` +
          `edges ${deepest.edges.map((e) => `${e.from}→${e.to}`).join(', ')}`,
      );

    const byMachine = [...placementsByMachine(data.placements)].sort((a, b) => b[1].length - a[1].length);
    console.log(
      `placements: ${data.placements.length} ` +
        `(${data.placements.filter((p) => p.kind === 'batch-instance').length} batch ` +
        `instances, ${data.placements.filter((p) => p.kind === 'container').length} container runs); ` +
        `most on ${byMachine[0]?.[0] ?? 'none'} (${byMachine[0]?.[1].length ?? 0})`,
    );
    console.log(
      `-1/101 read as missing: ${Object.values(data.invalid).reduce((s, n) => s + n, 0)} values; ` +
        `duplicates dropped: ${JSON.stringify(data.duplicatesDropped)}`,
    );
  } finally {
    if (temporary) await rm(temporary, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
