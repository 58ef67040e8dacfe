// Reads ASD server omi-1, fits a standardiser on its training part, and cuts windows of 20 records
// (docs/divad.md §1, §5b). Data root: the first argument, else DRIFTWATCH_DATA, else ../shared/datasets next
// to the repository root.
import {
  applyStandardisation,
  concatSequences,
  findRepoRoot,
  fitStandardiser,
  readOmniAnomaly,
  resolveDataRoot,
  tailSplit,
  windowSequences,
} from '../src/index';

async function main(): Promise<void> {
  const dataRoot = resolveDataRoot({
    flag: process.argv[2],
    env: process.env.DRIFTWATCH_DATA,
    repoRoot: findRepoRoot(process.cwd()),
  });
  console.log(`data root: ${dataRoot.path} (${dataRoot.source})`);

  const [omi1] = await readOmniAnomaly(dataRoot.path, 'asd', { entities: ['omi-1'] });
  console.log(`${omi1.train.id}: ${omi1.train.length} records × ${omi1.train.features.length} features`);
  console.log(
    `${omi1.test.id}: ${omi1.test.length} records, ${omi1.test.labels!.reduce((s, x) => s + x, 0)} ` +
      `anomalous in ${omi1.test.ranges!.length} segments`,
  );

  const scaler = fitStandardiser([omi1.train]);
  const constant = scaler.std.flatMap((s, j) => (s === 1 ? [omi1.train.features[j]] : []));
  console.log(`standardiser: constant features (std set to 1): ${constant.join(', ') || 'none'}`);

  const train = applyStandardisation(omi1.train, scaler);
  const test = applyStandardisation(omi1.test, scaler);
  const trainWindows = windowSequences([train], 20);
  const testWindows = windowSequences([test], 20);
  const normalTestWindows = windowSequences([test], 20, { normalOnly: true });
  console.log(
    `windows of 20: train ${trainWindows.count}, test ${testWindows.count} (${normalTestWindows.count} ` +
      `without anomalous records)`,
  );

  // the leave-one-server-out protocol uses train + test of a server as one sequence, last 15% for validation
  const whole = concatSequences([omi1.train, omi1.test], 'asd/omi-1');
  const { head, tail } = tailSplit(whole, 0.15);
  console.log(`${whole.id}: ${whole.length} records → ${head.length} training + ${tail.length} validation`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
