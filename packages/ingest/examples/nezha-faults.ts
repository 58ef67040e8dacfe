// Loads Nezha's TrainTicket day 2023-01-29 (one sequence per service), and prints the services, the faults
// and the label window the recovery rule chose for each (docs/spatiotemporal.md §3). Data root: the first
// argument, else DRIFTWATCH_DATA, else ../shared/datasets next to the repository root.
import { relative } from 'node:path';
import { findRepoRoot, resolveDataRoot } from '../src/index';
import { loadNezha, normalRecords, windowTable } from '../src/index';

async function main(): Promise<void> {
  const dataRoot = resolveDataRoot({
    flag: process.argv[2],
    env: process.env.DRIFTWATCH_DATA,
    repoRoot: findRepoRoot(process.cwd()),
  });
  console.log(`data root: ${relative(process.cwd(), dataRoot.path) || '.'} (${dataRoot.source})`);

  const day = await loadNezha(dataRoot.path, {
    date: '2023-01-29',
    entity: 'service',
    labelWindow: { mode: 'recovery' },
  });
  const first = day.sequences[0];
  console.log(
    `${day.domain}: ${day.sequences.length} services × ${first.length} records × ${first.features.length} features`,
  );
  console.log(`services: ${day.sequences.map((s) => s.entity).join(', ')}`);
  console.log(`front: ${day.front?.id} (${day.front?.features.join(', ')})`);

  console.log(`\n${day.faults.length} faults; label windows (recovery: min 3 min, max 10 min, k = 3):`);
  console.log(
    'inject_time (UTC)    service                        type            records  first     last      +min  end',
  );
  for (const row of windowTable(day)) {
    console.log(
      [
        row.injectTime,
        row.entity.padEnd(30),
        row.type.padEnd(15),
        String(row.records).padStart(7),
        ` ${row.firstRecord?.slice(11) ?? '-'}`,
        row.lastRecord?.slice(11) ?? '-',
        String(row.minutesToLastRecord ?? '-').padStart(4),
        ` ${row.reason}`,
      ].join(' '),
    );
  }

  const labelled = day.sequences.reduce((n, s) => n + s.labels!.filter((x) => x > 0).length, 0);
  const normal = day.sequences.reduce((n, s) => n + normalRecords(day, s).reduce((a, b) => a + b, 0), 0);
  const total = day.sequences.reduce((n, s) => n + s.length, 0);
  console.log(
    `\nlabelled records: ${labelled}; fault-free records for training (outside every window of the ` +
      `day): ${normal} of ${total}`,
  );
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
