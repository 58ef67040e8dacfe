/**
 * Peak F1 by brute force from its definition (docs/divad.md §2), sharing no code with eval: drop the W − 1 normal
 * records after each anomaly run, try every kept score as the threshold (s ≥ τ), keep the best F1. One event
 * type, so recall is plain recall.
 */
export function bruteForcePeakF1(scores: ArrayLike<number>, labels: ArrayLike<number>, windowLength: number): number {
  const kept: number[] = [];
  let last = -Infinity;
  for (let t = 0; t < labels.length; t++) {
    if (labels[t] > 0) last = t;
    if (labels[t] > 0 || t - last > windowLength - 1) kept.push(t);
  }
  const positives = kept.filter((t) => labels[t] > 0).length;
  let best = 0;
  for (const tau of new Set(kept.map((t) => scores[t]))) {
    const predicted = kept.filter((t) => scores[t] >= tau);
    const hits = predicted.filter((t) => labels[t] > 0).length;
    const precision = hits / predicted.length;
    const recall = hits / positives;
    if (precision + recall > 0) best = Math.max(best, (2 * precision * recall) / (precision + recall));
  }
  return best;
}
