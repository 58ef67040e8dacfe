import { ParameterError } from '@driftwatch/contracts';

/**
 * Affiliation precision / recall (Huet, Navarro, Rossi, "Local Evaluation of Time Series Anomaly Detection
 * Algorithms", KDD 2022). Discrete records are mapped to continuous time: record i is the unit interval
 * [i, i + 1), a sequence of T records is the time range [0, T), a maximal run of anomalous (predicted)
 * records [a, b) is one event (one predicted interval). All integrals below are then exact.
 */

/** Half-open time interval [start, end). */
export interface TimeInterval {
  start: number;
  end: number;
}

export interface AffiliationResult {
  /** mean of the zone precisions over the zones holding a prediction; NaN when no zone does */
  precision: number;
  /** mean of the zone recalls over all zones */
  recall: number;
  /** per zone, null when the zone holds no prediction */
  zonePrecision: (number | null)[];
  zoneRecall: number[];
  events: TimeInterval[];
  zones: TimeInterval[];
}

/** Maximal runs of records flagged non-zero, as unit-interval unions [first, last + 1). */
export function flaggedIntervals(flags: ArrayLike<number>): TimeInterval[] {
  const runs: TimeInterval[] = [];
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] === 0) continue;
    if (runs.length > 0 && runs[runs.length - 1].end === i) runs[runs.length - 1].end = i + 1;
    else runs.push({ start: i, end: i + 1 });
  }
  return runs;
}

/**
 * Zones of affiliation: zone j spans from the midpoint of (end_{j−1}, start_j) to the midpoint of (end_j, start_{j+1}),
 * bounded by [0, T) (Huet et al. KDD 2022, §3.1).
 */
export function affiliationZones(events: TimeInterval[], length: number): TimeInterval[] {
  return events.map((e, j) => ({
    start: j === 0 ? 0 : (events[j - 1].end + e.start) / 2,
    end: j === events.length - 1 ? length : (e.end + events[j + 1].start) / 2,
  }));
}

/** Distance from a point to an interval: max(start − y, y − end, 0). */
export function distanceToInterval(y: number, interval: TimeInterval): number {
  return Math.max(interval.start - y, y - interval.end, 0);
}

/** Distance from a point to a union of intervals: the minimum over them (∞ for none). */
export function distanceToIntervals(x: number, intervals: TimeInterval[]): number {
  let d = Infinity;
  for (const interval of intervals) d = Math.min(d, distanceToInterval(x, interval));
  return d;
}

/**
 * Precision survival F̄(d) = P(dist(X, E) ≥ d), X ~ U(zone): ((L − d)⁺ + (R − d)⁺)/|zone| for d > 0, 1 at d = 0, L, R
 * the zone parts left and right of E (Huet et al. KDD 2022, §3.2).
 */
export function precisionSurvival(d: number, zone: TimeInterval, event: TimeInterval): number {
  if (d <= 0) return 1;
  const left = event.start - zone.start;
  const right = zone.end - event.end;
  return (Math.max(left - d, 0) + Math.max(right - d, 0)) / (zone.end - zone.start);
}

/**
 * Recall survival F̄_x(d) = P(|X − x| ≥ d), X ~ U(zone): 1 − |(x − d, x + d) ∩ zone|/|zone| (Huet et al. KDD 2022,
 * §3.2).
 */
export function recallSurvival(d: number, x: number, zone: TimeInterval): number {
  if (d <= 0) return 1;
  const covered = Math.min(x + d, zone.end) - Math.max(x - d, zone.start);
  return 1 - Math.max(covered, 0) / (zone.end - zone.start);
}

/** ∫ f over [lo, hi] as Σ (b − a)·f((a + b)/2) over consecutive breakpoints: exact when f is linear between them. */
function integrateBetweenBreakpoints(f: (x: number) => number, lo: number, hi: number, breakpoints: number[]): number {
  const points = [lo, hi, ...breakpoints.filter((p) => p > lo && p < hi)].sort((a, b) => a - b);
  let sum = 0;
  for (let i = 1; i < points.length; i++) {
    if (points[i] > points[i - 1]) sum += (points[i] - points[i - 1]) * f(0.5 * (points[i - 1] + points[i]));
  }
  return sum;
}

/** Intersection of predicted intervals with a zone. */
export function intervalsInZone(predicted: TimeInterval[], zone: TimeInterval): TimeInterval[] {
  const clipped: TimeInterval[] = [];
  for (const p of predicted) {
    const start = Math.max(p.start, zone.start);
    const end = Math.min(p.end, zone.end);
    if (end > start) clipped.push({ start, end });
  }
  return clipped;
}

/** Zone precision (1/|Y_j|)·∫_{Y_j} F̄(dist(y, E_j)) dy, null when Y_j is empty (Huet et al. KDD 2022, §3.2). */
export function zonePrecision(zone: TimeInterval, event: TimeInterval, predictedInZone: TimeInterval[]): number | null {
  const left = event.start - zone.start;
  const right = zone.end - event.end;
  const kinks = [event.start, event.end, event.start - left, event.start - right, event.end + left, event.end + right];
  const survival = (y: number) => precisionSurvival(distanceToInterval(y, event), zone, event);
  let measure = 0;
  let integral = 0;
  for (const p of predictedInZone) {
    measure += p.end - p.start;
    integral += integrateBetweenBreakpoints(survival, p.start, p.end, kinks);
  }
  return measure > 0 ? integral / measure : null;
}

/** Zone recall (1/|E_j|)·∫_{E_j} F̄_x(dist(x, Y_j)) dx, 0 when Y_j is empty (Huet et al. KDD 2022, §3.2). */
export function zoneRecall(zone: TimeInterval, event: TimeInterval, predictedInZone: TimeInterval[]): number {
  if (predictedInZone.length === 0) return 0;
  const sorted = [...predictedInZone].sort((a, b) => a.start - b.start);
  // kinks of x ↦ dist(x, Y_j): interval ends and midpoints of the gaps between them
  const distanceKinks: number[] = [];
  sorted.forEach((p, i) => {
    distanceKinks.push(p.start, p.end);
    if (i > 0) distanceKinks.push((sorted[i - 1].end + p.start) / 2);
  });
  const distance = (x: number) => distanceToIntervals(x, sorted);
  // kinks of the survival: where x + d(x) = zone end or x − d(x) = zone start, d linear between distanceKinks
  const coarse = [event.start, event.end, ...distanceKinks.filter((k) => k > event.start && k < event.end)].sort(
    (a, b) => a - b,
  );
  const kinks = [...coarse];
  for (let i = 1; i < coarse.length; i++) {
    const [a, b] = [coarse[i - 1], coarse[i]];
    for (const g of [(x: number) => x + distance(x) - zone.end, (x: number) => x - distance(x) - zone.start]) {
      const [ga, gb] = [g(a), g(b)];
      if (ga !== gb && ga * gb < 0) kinks.push(a + ((b - a) * ga) / (ga - gb));
    }
  }
  const integral = integrateBetweenBreakpoints(
    (x) => recallSurvival(distance(x), x, zone),
    event.start,
    event.end,
    kinks,
  );
  return integral / (event.end - event.start);
}

/**
 * Affiliation precision and recall of binary predictions against labels (> 0 anomalous), one value per record (Huet et
 * al. KDD 2022, §3.2–3.3).
 */
export function affiliation(labels: ArrayLike<number>, predictions: ArrayLike<number>): AffiliationResult {
  if (labels.length !== predictions.length) {
    throw new ParameterError(`affiliation: ${labels.length} labels but ${predictions.length} predictions`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (Number.isNaN(labels[i]) || Number.isNaN(predictions[i]))
      throw new ParameterError(`affiliation: record ${i} is NaN`);
  }
  const events = flaggedIntervals(Array.from(labels, (y) => (y > 0 ? 1 : 0)));
  if (events.length === 0) throw new ParameterError('affiliation: no anomalous record, zones are undefined');
  const predicted = flaggedIntervals(Array.from(predictions, (p) => (p !== 0 ? 1 : 0)));
  const zones = affiliationZones(events, labels.length);
  const precisions = zones.map((zone, j) => zonePrecision(zone, events[j], intervalsInZone(predicted, zone)));
  const recalls = zones.map((zone, j) => zoneRecall(zone, events[j], intervalsInZone(predicted, zone)));
  const defined = precisions.filter((p): p is number => p !== null);
  const precision = defined.length > 0 ? defined.reduce((s, p) => s + p, 0) / defined.length : NaN;
  const recall = recalls.reduce((s, r) => s + r, 0) / recalls.length;
  return { precision, recall, zonePrecision: precisions, zoneRecall: recalls, events, zones };
}
