import { ParameterError } from '@driftwatch/contracts';
import { rankByScoreDescending, type ScoreRanking } from './rank';

/** Points of a ROC curve, one per threshold, from τ = +∞ (0, 0) down to the lowest score (1, 1). */
export interface RocCurve {
  /** +∞ first, then the distinct scores, descending; ŷ = [s ≥ τ] */
  thresholds: Float64Array;
  fpr: Float64Array;
  tpr: Float64Array;
}

/** Throws unless scores and labels have one entry per record, with at least one normal and one anomalous record. */
export function assertScoredLabels(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  caller: string,
): { positives: number; negatives: number } {
  if (scores.length !== labels.length)
    throw new ParameterError(`${caller}: ${scores.length} scores but ${labels.length} labels`);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > 0) positives++;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new ParameterError(
      `${caller}: needs at least one anomalous and one normal record (got ${positives} and ${negatives})`,
    );
  }
  return { positives, negatives };
}

/** Anomalous records among the first groupEnds[g] ranked records, for every group g (cumulative counts). */
function cumulativePositivesByGroup(ranking: ScoreRanking, labels: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(ranking.groupEnds.length);
  let positives = 0;
  let position = 0;
  for (let g = 0; g < ranking.groupEnds.length; g++) {
    for (; position < ranking.groupEnds[g]; position++) if (labels[ranking.order[position]] > 0) positives++;
    counts[g] = positives;
  }
  return counts;
}

/**
 * TPR(τ) = TP/P and FPR(τ) = FP/N at every distinct score τ, plus τ = +∞ (Fawcett 2006, "An introduction to ROC
 * analysis", §2, §5 Alg. 1).
 */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): RocCurve {
  const { positives, negatives } = assertScoredLabels(scores, labels, 'rocCurve');
  const ranking = rankByScoreDescending(scores);
  const truePositives = cumulativePositivesByGroup(ranking, labels);
  const points = ranking.thresholds.length + 1;
  const curve: RocCurve = {
    thresholds: new Float64Array(points),
    fpr: new Float64Array(points),
    tpr: new Float64Array(points),
  };
  curve.thresholds[0] = Infinity;
  for (let g = 0; g < ranking.thresholds.length; g++) {
    curve.thresholds[g + 1] = ranking.thresholds[g];
    curve.tpr[g + 1] = truePositives[g] / positives;
    curve.fpr[g + 1] = (ranking.groupEnds[g] - truePositives[g]) / negatives;
  }
  return curve;
}

/**
 * AUC-ROC = Σ_g ΔFP_g (TP_{g−1} + TP_g)/2 / (P·N), the trapezoids of the ROC curve, which equals the Mann–Whitney
 * U/(P·N) = Pr(s_anomalous > s_normal) + ½ Pr(s_anomalous = s_normal) (Fawcett 2006, §7 and Alg. 2; Hanley & McNeil
 * 1982). Summed in counts, divided once.
 */
export function areaUnderRoc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { positives, negatives } = assertScoredLabels(scores, labels, 'areaUnderRoc');
  const ranking = rankByScoreDescending(scores);
  const truePositives = cumulativePositivesByGroup(ranking, labels);
  let doubledArea = 0;
  let previousTp = 0;
  let previousFp = 0;
  for (let g = 0; g < truePositives.length; g++) {
    const fp = ranking.groupEnds[g] - truePositives[g];
    doubledArea += (fp - previousFp) * (truePositives[g] + previousTp);
    previousTp = truePositives[g];
    previousFp = fp;
  }
  return doubledArea / 2 / (positives * negatives);
}
