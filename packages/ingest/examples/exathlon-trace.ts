// Loads the Exathlon traces of the data root step by step (docs/divad.md §5a): raw columns, preprocessing
// (−1 handling, inactive executor spots, 1 s resampling), feature bundle 7, domain keys, ground truth.
// Data root: the first argument, else DRIFTWATCH_DATA, else ../shared/datasets next to the repository root.
import { join } from 'node:path';
import { findRepoRoot, resolveDataRoot } from '../src/index';
import {
  domainOfTrace,
  engineerExathlonFeatures,
  eventLabelOf,
  listExathlonTraces,
  preprocessExathlonTrace,
  readExathlonGroundTruth,
  readExathlonTrace,
  eventsOfTrace,
  labelTrace,
  type LabelledExathlonTrace,
} from '../src/index';

async function main(): Promise<void> {
  const dataRoot = resolveDataRoot({
    flag: process.argv[2],
    env: process.env.DRIFTWATCH_DATA,
    repoRoot: findRepoRoot(process.cwd()),
  });
  console.log(`data root: ${dataRoot.path} (${dataRoot.source})`);

  const events = await readExathlonGroundTruth(join(dataRoot.path, 'exathlon', 'ground_truth.csv'));
  const preprocessed: LabelledExathlonTrace[] = [];
  for (const file of await listExathlonTraces(dataRoot.path)) {
    const raw = await readExathlonTrace(file.path);
    const repeats = raw.timestamps.filter((ms, t) => t > 0 && ms === raw.timestamps[t - 1]).length;
    console.log(
      `${raw.info.name} (app ${raw.info.app}, ${raw.info.traceType}, rate ${raw.info.rate}): ${raw.length} ` +
        `records × ${raw.columns.length} columns, ${repeats} repeated times`,
    );
    const trace = preprocessExathlonTrace(raw);
    const spots = trace.spots.map(
      (s) =>
        `${s.spot}:${s.active ? 'active' : 'inactive'}` +
        (s.runs.length
          ? ' [' +
            s.runs.map((r) => `${r.start}–${r.end - 1} ${r.kind}` + (r.rule ? ` (${r.rule})` : '')).join(', ') +
            ']'
          : ''),
    );
    console.log(
      `  preprocessed: ${trace.length} records at 1 s; ` +
        `spots ${spots.join('; ')}; ${trace.unsetColumns.length} columns without any value set to -1`,
    );
    // labels from ground_truth.csv on the 1 s grid (undisturbed traces have no events)
    preprocessed.push({ ...trace, ...labelTrace(trace.timestamps, eventsOfTrace(events, trace.info.name)) });
  }

  const { plan, sequences } = engineerExathlonFeatures(preprocessed);
  const c = plan.counts;
  console.log(`features: ${c.input} raw columns`);
  console.log(`  - ${c.nmon} nmon (node5..8) and ${c.spot5} spot-5 columns → ${c.input - c.nmon - c.spot5}`);
  console.log(
    `  - ${c.constantDriver} constant driver columns and ${c.constantExecutorFeatures} constant executor ` +
      `features (${plan.droppedFrom})`,
  );
  console.log(
    `  → driver ${plan.driverIdentity.length} as is + ${plan.driverDifferenced.length} differenced ` +
      `= ${plan.driverIdentity.length + plan.driverDifferenced.length}`,
  );
  console.log(
    `  → executor ${plan.executorAveraged.length} averaged + ${plan.executorDifferenced.length} ` +
      `differenced then averaged = ${plan.executorAveraged.length + plan.executorDifferenced.length} (over ` +
      `spots 1–4)`,
  );
  console.log(`  = ${plan.features.length} features (cumulative: ${plan.cumulativeFrom})`);
  for (const [k, seq] of sequences.entries()) {
    const domain = domainOfTrace(preprocessed[k]);
    const anomalous = seq.labels!.filter((l) => l > 0).length;
    console.log(
      `${seq.id}: ${seq.length} × ${seq.features.length}, domain ${seq.domain} ` +
        `(batch ${domain.batchInterval} s, ${domain.executors} executors ` +
        `from ${domain.executorsFrom}, ${domain.memoryGb} GB from ${domain.memoryFrom}), ${anomalous} ` +
        `anomalous records`,
    );
  }

  const byType = new Map<string, number>();
  for (const e of events) {
    const { eventType, ignored } = eventLabelOf(e);
    const key = ignored ? `${eventType} (ignored)` : eventType;
    byType.set(key, (byType.get(key) ?? 0) + 1);
  }
  console.log(
    `ground_truth.csv: ${events.length} events in ${new Set(events.map((e) => e.traceName)).size} ` +
      `disturbed traces: ${[...byType].map(([t, n]) => `${t} ${n}`).join(', ')}`,
  );
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
