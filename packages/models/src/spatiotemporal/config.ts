/**
 * Settings of st-dda (spatiotemporal.md §1) and their validation at the boundary. Every value the paper
 * leaves open (**[choice]** in the design) is a setting here; the defaults are the design's.
 */
import { ParameterError } from '@driftwatch/contracts';

export type StDdaGraphMode = 'none' | 'static' | 'dynamic';
export type StDdaScoreReference = 'node' | 'system';
export type StDdaScoreKind = 'latent' | 'forecast';

export interface StDdaConfig {
  /** W: the window of steps t−W+1 … t behind the embedding at step t */
  windowLength: number;
  /** D, the width of every embedding (h, h̃, z, u) [choice: 32] */
  embeddingDim: number;
  /** hidden width of the node encoder F → hidden → D (ReLU) */
  encoderHidden: number;
  /** hidden width of the forecast decoder D → hidden → F (ReLU) */
  decoderHidden: number;
  /** K of each temporal aggregator (τ = 0 … K); default {1, 4, W−1} capped at W−1 [choice: multi-scale, S = 3] */
  scales: number[];
  /** width d of the query and key maps of g(a, b) = (W_q a)·(W_k b)/√d [choice: scaled bilinear]; default D */
  attentionDim: number;
  /** observed dependencies: none (λ = 0), one graph for the whole series (its first snapshot), or the snapshot in force at each window's end */
  graph: StDdaGraphMode;
  /** an observed edge i → j counts for both i and j (symmetric) or for i only (directed) [choice] */
  observedEdges: 'symmetric' | 'directed';
  /** an observed edge contributes 1 (binary) or its weight (weight) before row normalisation [choice] */
  observedWeights: 'binary' | 'weight';
  /** ū of the score: entity i's training centre c_i (node) or the mean of u over entities at t (system) [choice] */
  reference: StDdaScoreReference;
  /** what `scoreNodes` returns: the latent distance (the paper's) or the normalised one-step forecast error [choice] */
  score: StDdaScoreKind;
  /** γ of the compactness term γ‖u_i(t) − c_i‖² [choice: 0.1] */
  gamma: number;
  /** c_i ← m·c_i + (1 − m)·(batch mean of u_i) after every step [choice: EMA] */
  centreMomentum: number;
  learningRate: number;
  weightDecay: number;
  /** per-variable gradient norm clip; null for none */
  clipNorm: number | null;
  /** window ends per batch (each covers all N entities) */
  batchSize: number;
  /**
   * 'shuffled': a fresh permutation of all window ends every epoch; 'blocks': batches of consecutive window
   * ends (the order of the blocks shuffled every epoch), so that each step of a batch is encoded once
   * (B + W − 1 steps instead of B·W) — cheaper steps, but correlated batches learn less per epoch
   */
  batchOrder: 'blocks' | 'shuffled';
  epochs: number;
  patience: number;
}

/** K ∈ {1, 4, W−1} capped at W − 1 and without repeats (W = 4 gives {1, 3}, W = 1 gives {0}). */
export function defaultScales(windowLength: number): number[] {
  return [...new Set([1, 4, windowLength - 1].map((k) => Math.min(k, windowLength - 1)))].sort((a, b) => a - b);
}

export const ST_DDA_DEFAULTS: Omit<StDdaConfig, 'scales' | 'attentionDim'> = {
  windowLength: 20,
  embeddingDim: 32,
  encoderHidden: 64,
  decoderHidden: 64,
  graph: 'dynamic',
  observedEdges: 'symmetric',
  observedWeights: 'binary',
  reference: 'node',
  score: 'latent',
  gamma: 0.1,
  centreMomentum: 0.9,
  learningRate: 1e-3,
  weightDecay: 1e-4,
  clipNorm: 10,
  batchSize: 16,
  batchOrder: 'shuffled',
  epochs: 100,
  patience: 10,
};

const ID = 'st-dda';

const CHOICES = {
  graph: ['none', 'static', 'dynamic'],
  observedEdges: ['symmetric', 'directed'],
  observedWeights: ['binary', 'weight'],
  reference: ['node', 'system'],
  score: ['latent', 'forecast'],
  batchOrder: ['blocks', 'shuffled'],
} as const;

const POSITIVE_INTEGERS = ['windowLength', 'embeddingDim', 'encoderHidden', 'decoderHidden', 'attentionDim', 'batchSize', 'epochs', 'patience'] as const;

/**
 * Merges `params` over the defaults (scales and attentionDim follow W and D unless given) and throws a
 * ParameterError naming st-dda and the setting for unknown keys and values of the wrong kind or range.
 */
export function resolveStDdaConfig(params: Record<string, unknown>): StDdaConfig {
  const known = [...Object.keys(ST_DDA_DEFAULTS), 'scales', 'attentionDim'];
  for (const k of Object.keys(params)) {
    if (!known.includes(k)) throw new ParameterError(`${ID}: unknown parameter '${k}'; known: ${known.join(', ')}`);
  }
  const fail = (k: string, expected: string, v: unknown): never => {
    throw new ParameterError(`${ID}: ${k} must be ${expected}, got ${JSON.stringify(v)}`);
  };
  const merged = { ...ST_DDA_DEFAULTS, ...params } as Record<string, unknown>;
  for (const k of POSITIVE_INTEGERS) {
    if (k === 'attentionDim' && merged[k] === undefined) continue;
    const v = merged[k];
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) fail(k, 'a positive integer', v);
  }
  for (const [k, allowed] of Object.entries(CHOICES)) {
    if (!(allowed as readonly unknown[]).includes(merged[k])) fail(k, `one of ${allowed.join(', ')}`, merged[k]);
  }
  const number = (k: string, ok: (v: number) => boolean, expected: string) => {
    const v = merged[k];
    if (!(typeof v === 'number' && ok(v))) fail(k, expected, v);
  };
  number('gamma', (v) => v >= 0 && Number.isFinite(v), 'a finite number ≥ 0');
  number('centreMomentum', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  number('learningRate', (v) => v > 0 && Number.isFinite(v), 'a finite number > 0');
  number('weightDecay', (v) => v >= 0 && Number.isFinite(v), 'a finite number ≥ 0');
  if (merged.clipNorm !== null) number('clipNorm', (v) => v > 0, 'a number > 0 or null');
  const W = merged.windowLength as number;
  const scales = merged.scales ?? defaultScales(W);
  if (!Array.isArray(scales) || scales.length === 0 || scales.some((k) => !(Number.isInteger(k) && k >= 0 && k <= W - 1)) || new Set(scales).size !== scales.length) {
    fail('scales', `a non-empty list of distinct integers K in [0, W − 1 = ${W - 1}]`, scales);
  }
  return {
    ...(merged as unknown as StDdaConfig),
    scales: [...(scales as number[])],
    attentionDim: (merged.attentionDim as number | undefined) ?? (merged.embeddingDim as number),
  };
}
