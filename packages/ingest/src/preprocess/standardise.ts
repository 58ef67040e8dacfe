import { FeatureMismatchError, ParameterError, type Sequence, type Standardisation } from '@driftwatch/contracts';

export interface FitStandardiserOptions {
  /** use only normal records: label 0, or every record of a sequence without labels (default true) */
  normalOnly?: boolean;
}

/**
 * StandardScaler (docs/divad.md §5): per feature mean μ_j = Σ x_tj / n and population std
 * σ_j = sqrt(Σ (x_tj − μ_j)² / n), accumulated in float64 in two passes; a constant feature (max = min)
 * gets μ_j = its value and σ_j = 1, as sklearn does instead of dividing by zero. NaN values are left out
 * of their feature's sums (as sklearn does); a feature with no finite value gets μ 0, σ 1.
 */
export function fitStandardiser(sequences: Sequence[], opts: FitStandardiserOptions = {}): Standardisation {
  const normalOnly = opts.normalOnly ?? true;
  if (sequences.length === 0) throw new ParameterError('fitStandardiser: no sequences');
  const width = sequences[0].features.length;
  for (const seq of sequences) {
    if (seq.features.length !== width)
      throw new FeatureMismatchError(width, seq.features.length, `features per record in ${seq.id}`);
  }
  const used = (seq: Sequence, t: number) => !normalOnly || !seq.labels || seq.labels[t] === 0;
  const sum = new Float64Array(width);
  const count = new Float64Array(width);
  const min = new Float64Array(width).fill(Infinity);
  const max = new Float64Array(width).fill(-Infinity);
  let records = 0;
  for (const seq of sequences) {
    for (let t = 0; t < seq.length; t++) {
      if (!used(seq, t)) continue;
      records++;
      const row = t * width;
      for (let j = 0; j < width; j++) {
        const x = seq.values[row + j];
        if (x !== x) continue;
        sum[j] += x;
        count[j]++;
        if (x < min[j]) min[j] = x;
        if (x > max[j]) max[j] = x;
      }
    }
  }
  if (records === 0) throw new ParameterError(`fitStandardiser: no ${normalOnly ? 'normal ' : ''}records to fit on`);
  const mean = Array.from(sum, (s, j) => (count[j] === 0 ? 0 : min[j] === max[j] ? min[j] : s / count[j]));
  const squares = new Float64Array(width);
  for (const seq of sequences) {
    for (let t = 0; t < seq.length; t++) {
      if (!used(seq, t)) continue;
      const row = t * width;
      for (let j = 0; j < width; j++) {
        const x = seq.values[row + j];
        if (x !== x) continue;
        const d = x - mean[j];
        squares[j] += d * d;
      }
    }
  }
  const std = Array.from(squares, (s, j) => {
    const sigma = count[j] === 0 || min[j] === max[j] ? 1 : Math.sqrt(s / count[j]);
    return sigma > 0 && Number.isFinite(sigma) ? sigma : 1;
  });
  return { mean, std };
}

/** z_tj = (x_tj − μ_j) / σ_j (docs/divad.md §5) into new float32 values; everything else is shared. */
export function applyStandardisation(seq: Sequence, st: Standardisation): Sequence {
  const width = seq.features.length;
  if (st.mean.length !== width || st.std.length !== width) {
    throw new FeatureMismatchError(
      st.mean.length,
      width,
      `features per record (${seq.id} has ${width}, the standardisation ${st.mean.length})`,
    );
  }
  const values = new Float32Array(seq.length * width);
  for (let t = 0; t < seq.length; t++) {
    const row = t * width;
    for (let j = 0; j < width; j++) values[row + j] = (seq.values[row + j] - st.mean[j]) / st.std[j];
  }
  return { ...seq, values };
}
