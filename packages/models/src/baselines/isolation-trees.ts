/**
 * Isolation trees (Liu, Ting & Zhou, ICDM 2008) with the semantics of sklearn's IsolationForest
 * (docs/divad.md §4): the pure growing and path-length functions behind the `IsolationForest` detector.
 */

/** Euler–Mascheroni constant γ. */
const EULER_GAMMA = 0.5772156649015329;

/**
 * Average path length of an unsuccessful search in a binary search tree of n points, the
 * normaliser of isolation depths: c(n) = 2H(n−1) − 2(n−1)/n with H(i) ≈ ln i + γ; c(1) = 0, c(2) = 1.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** Every tree of a forest in flat arrays; node k of any tree is entry k of each array. */
export interface IsolationTrees {
  /** node index of each tree's root */
  roots: Int32Array;
  /** split feature of each node; −1 marks a leaf */
  feature: Int32Array;
  /** split threshold: x[feature] ≤ threshold goes left */
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** at a leaf, the path length it contributes: its depth + c(training samples that reached it) */
  leafPath: Float64Array;
  /** ψ, the subsample size every tree was grown on (the score's normaliser is c(ψ)) */
  sampleSize: number;
}

/** h(x) of one tree: depth of the leaf x falls into plus c(size of that leaf). */
export function isolationPathLength(trees: IsolationTrees, tree: number, x: ArrayLike<number>, offset = 0): number {
  const { feature, threshold, left, right } = trees;
  let node = trees.roots[tree];
  while (feature[node] >= 0) node = x[offset + feature[node]] <= threshold[node] ? left[node] : right[node];
  return trees.leafPath[node];
}

/** Anomaly score 2^(−E[h(x)] / c(ψ)) in (0, 1]: near 1 isolated early (anomalous), ≤ 0.5 normal (= −score_samples). */
export function isolationScore(trees: IsolationTrees, x: ArrayLike<number>, offset = 0): number {
  const t = trees.roots.length;
  let sum = 0;
  for (let k = 0; k < t; k++) sum += isolationPathLength(trees, k, x, offset);
  return 2 ** (-(sum / t) / averagePathLength(trees.sampleSize));
}

/** The n ≥ 1 with c(n) nearest `pathLength` (c is increasing), at most ψ: a leaf's training samples from its path. */
function leafSize(pathLength: number, psi: number): number {
  let lo = 1;
  let hi = psi;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (averagePathLength(mid) < pathLength) lo = mid + 1;
    else hi = mid;
  }
  const below = Math.max(1, lo - 1);
  return Math.abs(averagePathLength(below) - pathLength) < Math.abs(averagePathLength(lo) - pathLength) ? below : lo;
}

const sizesOf = new WeakMap<IsolationTrees, Float64Array>();

/**
 * Training samples that reached each node: a leaf's from its path length (depth + c(size)), a split's as the sum
 * of its children's. The forest does not store them; they are recovered once per forest.
 */
export function nodeSizes(trees: IsolationTrees): Float64Array {
  const hit = sizesOf.get(trees);
  if (hit) return hit;
  const { feature, left, right, leafPath } = trees;
  const sizes = new Float64Array(feature.length);
  const depth = new Int32Array(feature.length);
  // children come after their parent (checkFlatTrees), so one backward pass sees children first; depths go forward
  for (let k = 0; k < feature.length; k++) if (feature[k] >= 0) depth[left[k]] = depth[right[k]] = depth[k] + 1;
  for (let k = feature.length - 1; k >= 0; k--)
    sizes[k] = feature[k] >= 0 ? sizes[left[k]] + sizes[right[k]] : leafSize(leafPath[k] - depth[k], trees.sampleSize);
  sizesOf.set(trees, sizes);
  return sizes;
}

/**
 * Path credits of x, one per coordinate: every split on x's path credits its coordinate with log₂(n_node / n_child),
 * the bits of training mass it cuts away from x (n = training samples reaching a node), averaged over the trees.
 * Along a path they add up to log₂(ψ / n_leaf), so the coordinates whose splits isolate x collect the most; a
 * mass-based form of the path-length attributions of DIFFI (Carletti, Terzi & Susto, 2023).
 */
export function isolationPathCredits(trees: IsolationTrees, x: ArrayLike<number>, out: Float64Array): Float64Array {
  const { feature, threshold, left, right } = trees;
  const sizes = nodeSizes(trees);
  const t = trees.roots.length;
  out.fill(0);
  for (let k = 0; k < t; k++) {
    let node = trees.roots[k];
    while (feature[node] >= 0) {
      const child = x[feature[node]] <= threshold[node] ? left[node] : right[node];
      out[feature[node]] += Math.log2(sizes[node] / sizes[child]) / t;
      node = child;
    }
  }
  return out;
}

export interface GrowOptions {
  /** trees */
  count: number;
  /** ψ: rows drawn without replacement for each tree (2 ≤ ψ ≤ n) */
  sampleSize: number;
  /** features drawn without replacement for each tree (1 ≤ k ≤ d) */
  featuresPerTree: number;
  /** uniform draws in [0, 1) */
  uniform: () => number;
  /** called before each tree (cancellation, progress) */
  beforeTree?: (tree: number) => void;
}

/**
 * Grows `count` isolation trees on n rows of d values read through `row`, each on ψ rows drawn
 * without replacement, to the height limit ⌈log2 ψ⌉.
 */
export function growIsolationTrees(
  row: (i: number) => ArrayLike<number>,
  n: number,
  d: number,
  opts: GrowOptions,
): IsolationTrees {
  const { count, sampleSize: psi, featuresPerTree: k, uniform } = opts;
  const heightLimit = Math.ceil(Math.log2(psi));
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const allFeatures = Int32Array.from({ length: d }, (_, j) => j);
  const samples = new Float32Array(psi * d);
  const nodes = new NodeLists();
  const roots = new Int32Array(count);
  for (let t = 0; t < count; t++) {
    opts.beforeTree?.(t);
    // partial Fisher–Yates: the first ψ (k) entries become a uniform draw without replacement;
    // continuing from the previous tree's permutation keeps every draw uniform
    drawPrefix(rows, psi, uniform);
    for (let s = 0; s < psi; s++) samples.set(row(rows[s]), s * d);
    let features = allFeatures;
    if (k < d) {
      drawPrefix(allFeatures, k, uniform);
      features = allFeatures.slice(0, k);
    }
    roots[t] = growTree(samples, psi, d, Int32Array.from(features), heightLimit, uniform, nodes);
  }
  return { roots, ...nodes.finish(), sampleSize: psi };
}

function drawPrefix(a: Int32Array, m: number, uniform: () => number): void {
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(uniform() * (a.length - i));
    const tmp = a[i];
    a[i] = a[j];
    a[j] = tmp;
  }
}

class NodeLists {
  feature: number[] = [];
  threshold: number[] = [];
  left: number[] = [];
  right: number[] = [];
  leafPath: number[] = [];

  add(): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.leafPath.push(0);
    return this.feature.length - 1;
  }

  finish(): Omit<IsolationTrees, 'roots' | 'sampleSize'> {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      leafPath: Float64Array.from(this.leafPath),
    };
  }
}

/**
 * One tree on the ψ×d sample block. A node splits on a feature drawn uniformly from those that
 * vary within the node: features are drawn without replacement until one has max > min, as
 * sklearn's random splitter does (sklearn counts a range ≤ 1e-7 as constant; here only an exactly
 * constant feature is skipped, since a threshold in [min, max) separates any two distinct values).
 * When no feature varies the node becomes a leaf, like any node at the height limit or with one sample.
 */
function growTree(
  samples: Float32Array,
  psi: number,
  d: number,
  features: Int32Array,
  heightLimit: number,
  uniform: () => number,
  nodes: NodeLists,
): number {
  const idx = Int32Array.from({ length: psi }, (_, i) => i);
  const root = nodes.add();
  const stack: number[] = [root, 0, psi, 0]; // node, lo, hi, depth
  while (stack.length > 0) {
    const depth = stack.pop()!;
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    const node = stack.pop()!;
    const size = hi - lo;
    let split = -1;
    let min = 0;
    let max = 0;
    if (depth < heightLimit && size > 1) {
      for (let c = 0; c < features.length && split < 0; c++) {
        const r = c + Math.floor(uniform() * (features.length - c));
        const f = features[r];
        features[r] = features[c];
        features[c] = f;
        min = Infinity;
        max = -Infinity;
        for (let s = lo; s < hi; s++) {
          const v = samples[idx[s] * d + f];
          if (v < min) min = v;
          if (v > max) max = v;
        }
        if (max > min) split = f;
      }
    }
    if (split < 0) {
      nodes.leafPath[node] = depth + averagePathLength(size);
      continue;
    }
    let threshold = min + uniform() * (max - min);
    // rounding can land on max, which would send every sample left (sklearn falls back to min the same way)
    if (threshold >= max) threshold = min;
    let i = lo;
    let j = hi - 1;
    while (i <= j) {
      if (samples[idx[i] * d + split] <= threshold) i++;
      else {
        const tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
        j--;
      }
    }
    const left = nodes.add();
    const right = nodes.add();
    nodes.feature[node] = split;
    nodes.threshold[node] = threshold;
    nodes.left[node] = left;
    nodes.right[node] = right;
    stack.push(right, i, hi, depth + 1, left, lo, i, depth + 1);
  }
  return root;
}
