/**
 * The top-k sparse path of st-dda's dependency estimation (docs/spatiotemporal.md §1.3, "over the top-k candidates
 * per node"): each node i keeps the k columns j ≠ i of largest g(h̃_i, h̃_j), the softmax runs over those k only,
 * and propagation gathers k value rows per node, so the trained part of a step costs N·k·(d + D) instead of N²·(d + D).
 *
 * Choosing the k columns is exact (the k largest logits of each row), computed without gradient: the selection is
 * piecewise constant in the parameters, so the gradient of the sparse path equals that of the dense softmax masked
 * to the selected columns. Shapes: B window ends, N nodes, d attention width, D value width, k kept per node.
 */
import * as tf from '@tensorflow/tfjs';

/** Added to the diagonal logits so that the selection never picks i itself (§1.3 excludes self-loops). */
const SELF_LOGIT = -1e9;

/** Ã as k entries per row: row i of window b keeps columns[b, i, :] with weights[b, i, :] (summing to 1). */
export interface SparseDependencies {
  /** int32 [B, N, k], distinct columns ≠ i, strongest first */
  columns: tf.Tensor3D;
  /** [B, N, k] */
  weights: tf.Tensor3D;
}

/** k kept per row: at most N − 1 (every other node), which makes the sparse path the dense one. */
export function keptPerRow(topK: number, N: number): number {
  return Math.max(1, Math.min(topK, N - 1));
}

/**
 * The k columns j ≠ i of largest q_i·k_j per row, as int32 [B, N, k], detached from the gradient tape (the choice
 * is piecewise constant: it carries no gradient, and tfjs cannot differentiate TopK).
 */
export function topDependencyColumns(q: tf.Tensor3D, k: tf.Tensor3D, topK: number): tf.Tensor3D {
  const [B, N] = q.shape;
  const kept = keptPerRow(topK, N);
  const selected = tf.tidy(() => {
    const selfMask = tf.eye(N).mul(SELF_LOGIT);
    // one 2-D product per window end: wasm's batched BatchMatMul of [B, N, d] × [B, d, N] is about 10× slower than
    // the same products as B plain matMuls; the scale 1/√d leaves the order unchanged, so the selection skips it
    const keysT = tf.unstack(tf.transpose(k, [0, 2, 1]));
    const rows = tf
      .unstack(q)
      .map((qb, b) => tf.topk(tf.matMul(qb as tf.Tensor2D, keysT[b] as tf.Tensor2D).add(selfMask), kept, true).indices);
    return tf.stack(rows);
  });
  const detached = tf.tensor3d(selected.dataSync() as Int32Array, [B, N, kept], 'int32');
  selected.dispose();
  return detached;
}

/** Rows b·N + columns[b, i, :] of a [B·N, ·] matrix: the flat row index of each kept column, int32 [B·N·k]. */
export function flatColumnRows(columns: tf.Tensor3D): tf.Tensor1D {
  const [B, N, kept] = columns.shape;
  const offsets = tf.range(0, B * N, N, 'int32').reshape([B, 1, 1]);
  return columns.add(offsets).reshape([B * N * kept]) as tf.Tensor1D;
}

/**
 * w_ij = exp(q_i·k_j/√d) / Σ_{l ∈ S_i} exp(q_i·k_l/√d) for j ∈ S_i = columns[b, i, :] (§1.3 over the kept columns):
 * q, k [B, N, d] → weights [B, N, k]
 */
export function sparseDependencyWeights(q: tf.Tensor3D, k: tf.Tensor3D, columns: tf.Tensor3D): tf.Tensor3D {
  const [B, N, d] = q.shape;
  const kept = columns.shape[2];
  const keys = tf.gather(k.reshape([B * N, d]), flatColumnRows(columns)).reshape([B * N, kept, d]);
  const logits = keys
    .mul(q.reshape([B * N, 1, d]))
    .sum(2)
    .mul(1 / Math.sqrt(d));
  return tf.softmax(logits).reshape([B, N, kept]) as tf.Tensor3D;
}

/** Ã·V without forming Ã: (Ã·V)_i = Σ_{j ∈ S_i} w_ij·V_j, V [B, N, D] → [B, N, D] */
export function sparseProduct(dependencies: SparseDependencies, V: tf.Tensor3D): tf.Tensor3D {
  const [B, N, D] = V.shape;
  const kept = dependencies.columns.shape[2];
  const values = tf.gather(V.reshape([B * N, D]), flatColumnRows(dependencies.columns)).reshape([B * N, kept, D]);
  return values
    .mul(dependencies.weights.reshape([B * N, kept, 1]))
    .sum(1)
    .reshape([B, N, D]) as tf.Tensor3D;
}

/** The dense Ã [B, N, N] of a sparse one: w_ij at the kept columns, 0 elsewhere (for inspection, not training). */
export function densified(dependencies: SparseDependencies): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, N, kept] = dependencies.columns.shape;
    // one-hot rows of the kept columns, weighted and summed over the k kept: [B·N, k, N] → [B·N, N]
    const oneHot = tf.oneHot(dependencies.columns.reshape([B * N * kept]), N).reshape([B * N, kept, N]);
    return oneHot
      .mul(dependencies.weights.reshape([B * N, kept, 1]))
      .sum(1)
      .reshape([B, N, N]) as tf.Tensor3D;
  });
}
