/** An event type: 'anomaly', 'T1'…'T6', 'metric', 'temporal', a fault type, … */
export type EventType = string;

/** A labelled anomaly: records [start, end) of a sequence. */
export interface AnomalyRange {
  start: number;
  end: number;
  eventType: EventType;
  /** Ignored at evaluation time (e.g. Exathlon's "unknown" events). */
  ignored?: boolean;
}

/** One multivariate time series of one entity in one domain. */
export interface Sequence {
  /** e.g. 'asd/omi-3/test' */
  id: string;
  /** server, application, pod, machine */
  entity: string;
  /** context key; DIVAD's d */
  domain: string;
  /** column names, length F */
  features: string[];
  /** row-major, length T·F (a view on an Arrow column buffer where possible) */
  values: Float32Array;
  /** T */
  length: number;
  /** ms since epoch, when known */
  timestamps?: BigInt64Array;
  /** per record: 0 normal, k > 0 the code of an anomalous event type (binary data sets use 1) */
  labels?: Uint8Array;
  /** labelled anomalies with their event types */
  ranges?: AnomalyRange[];
}

/** Windows of length W over sequences; window(i) is a view wherever the layout allows it. */
export interface WindowSet {
  readonly windowLength: number;
  readonly featureCount: number;
  readonly count: number;
  /** W·F values, row-major (record-major). */
  window(i: number): Float32Array;
  /** index into `domains` */
  domainOf(i: number): number;
  readonly domains: string[];
}

/** Feature-wise affine standardisation fitted on training data only. */
export interface Standardisation {
  mean: number[];
  std: number[];
}
