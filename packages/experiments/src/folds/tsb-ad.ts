/**
 * The tsb-ad protocol: each series trains on its first tr_N records (the last 15% of them validate, the scaler is
 * fitted on the rest) and is scored whole, labels of the training records included, as TSB-AD's benchmark
 * scripts score and evaluate it (`run_Semisupervise_AD(name, data[:N], data)`, then metrics over all labels).
 */
import type { DataFileChecksum } from '@driftwatch/contracts';
import { ParameterError } from '@driftwatch/contracts';
import { readTsbAdSeries, sha256File, sliceSequence, type TsbAdSeries } from '@driftwatch/ingest';
import type { ProtocolFold } from './leave-one-out';
import { prepareTrainingData, VALIDATION_FRACTION } from './omni-protocol';

export const loadTsbAdSeries = readTsbAdSeries;

export function tsbAdFold(
  series: readonly TsbAdSeries[],
  name: string,
  validationFraction = VALIDATION_FRACTION,
): ProtocolFold {
  const mine = series.find((s) => s.name === name);
  if (!mine) {
    const names = series.map((s) => s.name).join(', ');
    throw new ParameterError(`no TSB-AD series '${name}'; series: ${names}`);
  }
  const train = sliceSequence(mine.sequence, 0, mine.trainLength);
  return {
    test: mine.sequence,
    data: prepareTrainingData([{ ...train, id: `${mine.sequence.id}/train` }], validationFraction),
  };
}

/** sha256 of each series file; TSB-AD is not in datasets.lock, so every file is 'unlocked'. */
export async function tsbAdChecksums(series: readonly TsbAdSeries[]): Promise<DataFileChecksum[]> {
  const out: DataFileChecksum[] = [];
  for (const s of series) out.push({ path: s.path, sha256: await sha256File(s.path), lock: 'unlocked' });
  return out;
}
