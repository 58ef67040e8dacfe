/**
 * The st-dda network as pure functions of named parameters (docs/spatiotemporal.md §1, steps 1–6, and the
 * training objective). Row-vector convention of the package: a linear map is x·K with K [in, out].
 * Shapes: B window ends, N entities, F features, W steps, S temporal scales, D embedding width.
 */
import * as tf from '@tensorflow/tfjs';
import { denseSpecs, denseStack, type NamedParams, type ParamSpec } from '../neural/params';
import type { StDdaScoreReference } from './config';
import {
  densified,
  sparseDependencyWeights,
  sparseProduct,
  topDependencyColumns,
  type SparseDependencies,
} from './sparse-dependencies';

export interface StDdaArchitecture {
  featureCount: number;
  entityCount: number;
  windowLength: number;
  embeddingDim: number;
  encoderHidden: number;
  decoderHidden: number;
  /** K per temporal aggregator */
  scales: number[];
  attentionDim: number;
  /** an observed graph takes part (graph mode static or dynamic): the mixing weight λ exists */
  observed: boolean;
  /** k strongest dependencies kept per node (the sparse path), or null for the dense softmax over all j ≠ i */
  dependencyTopK: number | null;
}

/** Ã dense [B, N, N] or as its k kept entries per row */
export type LearnedDependencies = tf.Tensor3D | SparseDependencies;

/** norm(A_obs + I) dense [B, N, N] or as each row's non-zero entries (the top-k path's form) */
export type ObservedDependencyRows = tf.Tensor3D | SparseDependencies;

/** M·V for M dense [B, N, N] or given by rows of entries: [B, N, D] */
function dependencyProduct(m: tf.Tensor3D | SparseDependencies, V: tf.Tensor3D): tf.Tensor3D {
  return m instanceof tf.Tensor ? tf.matMul(m, V) : sparseProduct(m, V);
}

/** Added to the diagonal logits so that the softmax of §1.3 runs over j ≠ i only (exp underflows to 0). */
const SELF_LOGIT = -1e9;

/** Trainable parameters, in creation (and initialisation) order. */
export function stDdaParamSpecs(a: StDdaArchitecture): ParamSpec[] {
  const D = a.embeddingDim;
  const S = a.scales.length;
  const specs: ParamSpec[] = [...denseSpecs('encoder', [a.featureCount, a.encoderHidden, D])];
  // a = 0: every aggregator starts as a plain mean over its K + 1 steps
  a.scales.forEach((K, s) => specs.push({ name: `temporal/scale_${s}/logits`, shape: [K + 1], init: 'zeros' }));
  if (S > 1) specs.push(...denseSpecs('temporal/projection', [S * D, D]));
  specs.push(
    { name: 'dependency/query/kernel', shape: [D, a.attentionDim], init: 'glorot-uniform' },
    { name: 'dependency/key/kernel', shape: [D, a.attentionDim], init: 'glorot-uniform' },
    { name: 'propagation/kernel', shape: [D, D], init: 'glorot-uniform' },
  );
  // l = 0: λ = sigmoid(l) starts at 0.5 (§1.4)
  if (a.observed) specs.push({ name: 'mixing/logit', shape: [1], init: 'zeros' });
  specs.push(
    { name: 'joint/temporal/kernel', shape: [D, D], init: 'glorot-uniform' },
    { name: 'joint/graph/kernel', shape: [D, D], init: 'glorot-uniform' },
    ...denseSpecs('decoder', [D, a.decoderHidden, a.featureCount]),
  );
  return specs;
}

/**
 * State saved with the model and never trained by gradient: the training series' per-(entity, feature)
 * mean and std, the centres c_i (EMA of u_i), and the mean squared one-step forecast error per (entity,
 * feature) on the training series (the forecast score's normaliser).
 */
export function stDdaStateSpecs(a: StDdaArchitecture): ParamSpec[] {
  const { entityCount: N, featureCount: F, embeddingDim: D } = a;
  return [
    { name: 'standardisation/mean', shape: [N, F], init: 'zeros' },
    { name: 'standardisation/std', shape: [N, F], init: 'ones' },
    { name: 'centre', shape: [N, D], init: 'zeros' },
    { name: 'forecast/error_scale', shape: [N, F], init: 'ones' },
  ];
}

/** h_i(t) = f_θ(x_i(t)) = ReLU(x·K₀ + b₀)·K₁ + b₁, shared by all entities (§1.1): [M, F] → [M, D] */
export function encodeNodes(p: NamedParams, x: tf.Tensor2D): tf.Tensor2D {
  return denseStack(p, 'encoder', x, 1);
}

/** C[s, W − 1 − τ] = softmax(a_s)_τ for τ = 0 … K_s, 0 for older steps (§1.2): [S, W], each row sums to 1 */
export function temporalCoefficients(p: NamedParams, a: StDdaArchitecture): tf.Tensor2D {
  const W = a.windowLength;
  const rows = a.scales.map((K, s) =>
    tf.pad(tf.reverse(tf.softmax(p[`temporal/scale_${s}/logits`] as tf.Tensor1D), 0), [[W - 1 - K, 0]]),
  );
  return tf.stack(rows) as tf.Tensor2D;
}

/** h̃ = [h̃¹ ‖ … ‖ h̃ˢ]·P + p for S > 1, h̃¹ itself for S = 1 (the paper's form): per scale [S, M, D] → [M, D] */
export function combineScales(p: NamedParams, a: StDdaArchitecture, perScale: tf.Tensor3D): tf.Tensor2D {
  const [S, M, D] = perScale.shape;
  if (S === 1) return perScale.reshape([M, D]);
  // concat·P = Σ_s h̃ˢ·P_s, P_s the rows s·D … (s + 1)·D − 1 of P
  const blocks = (p['temporal/projection/head/kernel'] as tf.Tensor2D).reshape([S, D, D]) as tf.Tensor3D;
  return tf.matMul(perScale, blocks).sum(0).add(p['temporal/projection/head/bias']) as tf.Tensor2D;
}

/** q = h̃·W_q and k = h̃·W_k, the two sides of g(a, b) (§1.3): [B, N, D] → [B, N, d] each */
function queriesAndKeys(p: NamedParams, hTilde: tf.Tensor3D): [tf.Tensor3D, tf.Tensor3D] {
  const [B, N, D] = hTilde.shape;
  const Wq = p['dependency/query/kernel'] as tf.Tensor2D;
  const d = Wq.shape[1];
  const rows = hTilde.reshape([B * N, D]) as tf.Tensor2D;
  const q = tf.matMul(rows, Wq).reshape([B, N, d]) as tf.Tensor3D;
  const k = tf.matMul(rows, p['dependency/key/kernel'] as tf.Tensor2D).reshape([B, N, d]) as tf.Tensor3D;
  return [q, k];
}

/**
 * Ã_ij = exp(g(h̃_i, h̃_j)) / Σ_{k≠i} exp(g(h̃_i, h̃_k)), g(a, b) = (a·W_q)·(b·W_k)/√d, Ã_ii = 0 (§1.3): [B, N, D] →
 * [B, N, N]
 */
export function learnedDependencies(p: NamedParams, hTilde: tf.Tensor3D): tf.Tensor3D {
  const [q, k] = queriesAndKeys(p, hTilde);
  const N = hTilde.shape[1];
  const logits = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(q.shape[2]));
  return tf.softmax(logits.add(tf.eye(N).mul(SELF_LOGIT))) as tf.Tensor3D;
}

/**
 * The sparse Ã of §1.3: per node the k columns j ≠ i of largest g(h̃_i, h̃_j), the softmax over those only (equal to
 * the dense softmax masked to them): [B, N, D] → k entries per row
 */
export function learnedTopKDependencies(p: NamedParams, hTilde: tf.Tensor3D, topK: number): SparseDependencies {
  const [q, k] = queriesAndKeys(p, hTilde);
  const columns = topDependencyColumns(q, k, topK);
  return { columns, weights: sparseDependencyWeights(q, k, columns) };
}

/** Ã (or norm(A_obs + I)) of either form as a dense [B, N, N], zeros outside the kept columns: for inspection */
export function denseLearned(learned: LearnedDependencies | ObservedDependencyRows): tf.Tensor3D {
  return learned instanceof tf.Tensor ? learned : densified(learned);
}

/** λ = sigmoid(l) (§1.4), shape [1] */
export function mixingWeight(p: NamedParams): tf.Tensor1D {
  return tf.sigmoid(p['mixing/logit']) as tf.Tensor1D;
}

/** A(t) = λ·norm(A_obs(t) + I) + (1 − λ)·(Ã(t) + I)/2, or (Ã + I)/2 without an observed graph (§1.4): [B, N, N] */
export function combinedDependencies(p: NamedParams, learned: tf.Tensor3D, observed?: tf.Tensor3D): tf.Tensor3D {
  const learnedPart = learned.add(tf.eye(learned.shape[1])).mul(0.5) as tf.Tensor3D;
  if (!observed) return learnedPart;
  const lambda = mixingWeight(p);
  return observed.mul(lambda).add(learnedPart.mul(tf.sub(1, lambda))) as tf.Tensor3D;
}

/**
 * z_i = ReLU(Σ_j A_ij·(h̃_j·W_s)) with A of `combinedDependencies` (§1.4), evaluated as
 * λ·O·V + (1 − λ)·(Ã·V + V)/2, V = h̃·W_s, which never forms A: [B, N, D] → [B, N, D]
 */
export function propagate(
  p: NamedParams,
  hTilde: tf.Tensor3D,
  learned: LearnedDependencies,
  observed?: ObservedDependencyRows,
): tf.Tensor3D {
  const [B, N, D] = hTilde.shape;
  const V = tf
    .matMul(hTilde.reshape([B * N, D]) as tf.Tensor2D, p['propagation/kernel'] as tf.Tensor2D)
    .reshape([B, N, D]) as tf.Tensor3D;
  const learnedPart = dependencyProduct(learned, V).add(V).mul(0.5);
  if (!observed) return tf.relu(learnedPart) as tf.Tensor3D;
  const lambda = mixingWeight(p);
  return tf.relu(
    dependencyProduct(observed, V)
      .mul(lambda)
      .add(learnedPart.mul(tf.sub(1, lambda))),
  ) as tf.Tensor3D;
}

/** u = h̃·W_t + z·W_g (§1.5): [M, D] each → [M, D] */
export function jointEmbedding(p: NamedParams, hTilde: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
  return tf
    .matMul(hTilde, p['joint/temporal/kernel'] as tf.Tensor2D)
    .add(tf.matMul(z, p['joint/graph/kernel'] as tf.Tensor2D)) as tf.Tensor2D;
}

/**
 * x̂_i(t + 1) = dec(u_i(t)) = ReLU(u·K₀ + b₀)·K₁ + b₁ (the training objective's decoder D → hidden → F): [M, D] → [M,
 * F]
 */
export function forecastNext(p: NamedParams, u: tf.Tensor2D): tf.Tensor2D {
  return denseStack(p, 'decoder', u, 1);
}

export interface StDdaForward {
  /** [B·N, D], row b·N + i */
  hTilde: tf.Tensor2D;
  /** Ã: dense [B, N, N], or its k kept entries per row with `dependencyTopK` */
  learned: LearnedDependencies;
  /** [B·N, D] */
  z: tf.Tensor2D;
  /** [B·N, D] */
  u: tf.Tensor2D;
}

/** Steps 2–5 from the per-scale aggregates h̃ˢ [S, B·N, D]; `observed` = norm(A_obs + I) per window end. */
function fromAggregates(
  p: NamedParams,
  a: StDdaArchitecture,
  perScale: tf.Tensor3D,
  B: number,
  observed?: ObservedDependencyRows,
): StDdaForward {
  const N = a.entityCount;
  const D = a.embeddingDim;
  const hTilde = combineScales(p, a, perScale);
  const h3 = hTilde.reshape([B, N, D]) as tf.Tensor3D;
  const learned =
    a.dependencyTopK === null ? learnedDependencies(p, h3) : learnedTopKDependencies(p, h3, a.dependencyTopK);
  const z = propagate(p, h3, learned, observed).reshape([B * N, D]) as tf.Tensor2D;
  return { hTilde, learned, z, u: jointEmbedding(p, hTilde, z) };
}

/**
 * Windows of B arbitrary window ends laid out step-major, x [W·B·N, F] with row (w·B + b)·N + i = entity i at
 * step w of window b: h̃ˢ = Σ_w C[s, w]·h(w) is one product C·H, H [W, B·N·D].
 */
export function forwardWindows(
  p: NamedParams,
  a: StDdaArchitecture,
  x: tf.Tensor2D,
  B: number,
  observed?: ObservedDependencyRows,
): StDdaForward {
  const { windowLength: W, entityCount: N, embeddingDim: D } = a;
  const H = encodeNodes(p, x).reshape([W, B * N * D]) as tf.Tensor2D;
  const perScale = tf.matMul(temporalCoefficients(p, a), H).reshape([a.scales.length, B * N, D]) as tf.Tensor3D;
  return fromAggregates(p, a, perScale, B, observed);
}

/** the last few placements, by W and B (scoring reuses one chunk size) */
const placements = new Map<string, Float32Array>();

/**
 * P[w, b·L + l] = 1 where l = b + w, L = B + W − 1: where step w of window b sits among the steps of B consecutive
 * window ends
 */
export function windowPlacement(W: number, B: number): Float32Array {
  const key = `${W}x${B}`;
  let m = placements.get(key);
  if (!m) {
    const L = B + W - 1;
    m = new Float32Array(W * B * L);
    for (let w = 0; w < W; w++) for (let b = 0; b < B; b++) m[w * B * L + b * L + b + w] = 1;
    if (placements.size >= 4) placements.delete(placements.keys().next().value!);
    placements.set(key, m);
  }
  return m;
}

/**
 * R[s·B + b, l] = C[s, l − b] for 0 ≤ l − b < W, else 0: the band operator R = C·P reshaped to [S·B, B + W − 1],
 * differentiable in C
 */
export function slidingOperator(coefficients: tf.Tensor2D, W: number, B: number): tf.Tensor2D {
  const S = coefficients.shape[0];
  const L = B + W - 1;
  return tf.matMul(coefficients, tf.tensor2d(windowPlacement(W, B), [W, B * L])).reshape([S * B, L]) as tf.Tensor2D;
}

/**
 * B consecutive window ends from their B + W − 1 steps, x [(B + W − 1)·N, F]: each step is encoded once and
 * h̃ˢ of every window end is one product R·H_steps with the band operator R (no window is materialised; wasm's
 * GatherV2 and the gradient of a concatenation of slices, SplitV, are both slow).
 */
export function forwardSteps(
  p: NamedParams,
  a: StDdaArchitecture,
  x: tf.Tensor2D,
  B: number,
  observed?: ObservedDependencyRows,
): StDdaForward {
  const { windowLength: W, entityCount: N, embeddingDim: D } = a;
  const steps = encodeNodes(p, x).reshape([B + W - 1, N * D]) as tf.Tensor2D;
  const perScale = tf
    .matMul(slidingOperator(temporalCoefficients(p, a), W, B), steps)
    .reshape([a.scales.length, B * N, D]) as tf.Tensor3D;
  return fromAggregates(p, a, perScale, B, observed);
}

export interface LossTerms {
  /** Σ m·(x̂ − y)² over the batch */
  squaredError: tf.Scalar;
  /** Σ m: observed target values */
  observedCount: tf.Scalar;
  /** Σ_{b,i} ‖u_i(t_b) − c_i‖² */
  compactness: tf.Scalar;
}

/** The sums behind the loss of B window ends; `target` and `mask` [B·N, F], `centre` c [N, D]. */
export function lossTerms(
  p: NamedParams,
  a: StDdaArchitecture,
  forward: StDdaForward,
  target: tf.Tensor2D,
  mask: tf.Tensor2D,
  centre: tf.Tensor,
): LossTerms {
  const N = a.entityCount;
  const D = a.embeddingDim;
  const B = forward.u.shape[0] / N;
  const error = forecastNext(p, forward.u).sub(target);
  return {
    squaredError: error.square().mul(mask).sum() as tf.Scalar,
    observedCount: mask.sum() as tf.Scalar,
    compactness: forward.u.reshape([B, N, D]).sub(centre).square().sum() as tf.Scalar,
  };
}

/** L = Σ m·(x̂ − y)²/Σ m + γ·(1/(B·N))·Σ_{b,i} ‖u_i − c_i‖² (the design's training objective) */
export function lossOf(terms: LossTerms, gamma: number, rows: number): tf.Scalar {
  return terms.squaredError
    .div(tf.maximum(terms.observedCount, 1))
    .add(terms.compactness.mul(gamma / rows)) as tf.Scalar;
}

/** s_i(t) = ‖u_i(t) − ū‖² with ū = c_i (node) or mean_j u_j(t) (system) (§1.6): u [B, N, D] → [B, N] */
export function latentScores(u: tf.Tensor3D, reference: StDdaScoreReference, centre: tf.Tensor): tf.Tensor2D {
  const uBar = reference === 'node' ? centre : u.mean(1, true);
  return u.sub(uBar).square().sum(2) as tf.Tensor2D;
}

/**
 * (1/|O|) Σ_{f∈O} (x̂_f − x_f)²/v_{i,f} over the observed features O of entity i at t, v the mean training
 * error (the normalised forecast score); 0 where nothing is observed: [B, N, F] → [B, N]
 */
export function forecastScores(
  prediction: tf.Tensor3D,
  target: tf.Tensor3D,
  mask: tf.Tensor3D,
  errorScale: tf.Tensor,
): tf.Tensor2D {
  const weighted = prediction.sub(target).square().div(errorScale).mul(mask).sum(2);
  return weighted.div(tf.maximum(mask.sum(2), 1)) as tf.Tensor2D;
}
