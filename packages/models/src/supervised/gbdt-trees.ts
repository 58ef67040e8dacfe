/**
 * Gradient-boosted regression trees on second-order statistics (Chen & Guestrin, "XGBoost", KDD 2016 §2.2 and
 * §3.4, with the histogram method of its `hist` tree method and LightGBM): the pure pieces behind the `gbdt`
 * detector — cut points, binning, gradient histograms, split search with a learned default direction for missing
 * values, depth-wise growth, and prediction.
 *
 * For a node with gradient sums G, H, a split into L and R has
 *   gain = ½[G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ)] − γ   (XGBoost eq. 7)
 * and a leaf the weight w* = −G/(H + λ) (eq. 5), scaled by the learning rate η when added to the model.
 */

/** bin code of a missing value (NaN); real bins are 0 … maxBins − 1 */
export const MISSING_BIN = 255;
/** most real bins a feature can have (one byte per value, one code kept for missing) */
export const MAX_BINS = 255;

/**
 * Cut points of one feature from its finite training values, sorted ascending: every distinct value when there
 * are at most `maxBins`, else the values at ranks ⌈k·n/maxBins⌉ − 1 (k = 1 … maxBins), deduplicated. Bin b holds
 * the values in (edges[b − 1], edges[b]]; the last bin also holds everything above the last edge.
 */
export function binEdges(sorted: Float64Array, maxBins: number): Float64Array {
  const n = sorted.length;
  const distinct: number[] = [];
  for (let k = 0; k < n; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) distinct.push(sorted[k]);
  if (distinct.length <= maxBins) return Float64Array.from(distinct);
  const edges: number[] = [];
  for (let k = 1; k <= maxBins; k++) {
    const v = sorted[Math.ceil((k * n) / maxBins) - 1];
    if (edges.length === 0 || v !== edges[edges.length - 1]) edges.push(v);
  }
  return Float64Array.from(edges);
}

/** The bin of v: MISSING_BIN for NaN, else the first b with v ≤ edges[b], or the last bin for v above every edge. */
export function binOf(edges: Float64Array, v: number): number {
  if (Number.isNaN(v)) return MISSING_BIN;
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** ½[G_L²/(H_L + λ) + G_R²/(H_R + λ) − (G_L + G_R)²/(H_L + H_R + λ)] − γ (XGBoost eq. 7). */
export function splitGain(gl: number, hl: number, gr: number, hr: number, lambda: number, gamma: number): number {
  const g = gl + gr;
  const h = hl + hr;
  return 0.5 * ((gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - (g * g) / (h + lambda)) - gamma;
}

/** w* = −G/(H + λ) (XGBoost eq. 5). */
export function leafWeight(g: number, h: number, lambda: number): number {
  return -g / (h + lambda);
}

export interface SplitParams {
  /** λ: L2 penalty on leaf weights */
  lambda: number;
  /** γ: the least loss reduction a split must bring */
  gamma: number;
  /** the least hessian sum in each child */
  minChildWeight: number;
}

export interface Split {
  /** column of the binned matrix */
  feature: number;
  /** rows with bin ≤ `bin` go left */
  bin: number;
  /** where missing values go */
  defaultLeft: boolean;
  gain: number;
}

/** A binned training matrix: n rows of p one-byte bin codes, and how many real bins each column has. */
export interface BinnedMatrix {
  bins: Uint8Array;
  columns: number;
  /** real bins of each column (its edges' length) */
  binCounts: Int32Array;
}

/**
 * Per (column, bin) sums of g and h over `rows`, for the listed columns, interleaved so that one update touches
 * one cache line: hist[2·(j·256 + b)] = Σg, hist[2·(j·256 + b) + 1] = Σh. Other columns are left untouched.
 */
export function buildHistogram(
  data: BinnedMatrix,
  rows: ArrayLike<number>,
  grad: Float64Array,
  hess: Float64Array,
  columns: Int32Array,
  hist: Float64Array,
): void {
  const { bins, columns: p } = data;
  for (const j of columns) hist.fill(0, j * 512, j * 512 + 512);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const g = grad[row];
    const h = hess[row];
    const base = row * p;
    for (let c = 0; c < columns.length; c++) {
      const j = columns[c];
      const o = (j * 256 + bins[base + j]) * 2;
      hist[o] += g;
      hist[o + 1] += h;
    }
  }
}

/**
 * The best split of a node with sums (G, H) from its histogram: every column in `columns`, every boundary between
 * real bins, missing values sent left and right (XGBoost's sparsity-aware search, Algorithm 3). When the node has
 * no missing value both directions give one gain; missing values then follow the child with the larger hessian.
 * Ties keep the first candidate (column order, then bin). Returns undefined when no split has gain > 0 with both
 * children's hessians ≥ minChildWeight.
 */
export function bestSplit(
  hist: Float64Array,
  data: BinnedMatrix,
  columns: Int32Array,
  totalG: number,
  totalH: number,
  params: SplitParams,
): Split | undefined {
  const { lambda, gamma, minChildWeight } = params;
  let best: Split | undefined;
  const consider = (j: number, b: number, gL: number, hL: number, missingLeft: boolean, hasMissing: boolean) => {
    const hR = totalH - hL;
    if (hL < minChildWeight || hR < minChildWeight) return;
    const gain = splitGain(gL, hL, totalG - gL, hR, lambda, gamma);
    if (gain > 0 && (!best || gain > best.gain))
      best = { feature: j, bin: b, defaultLeft: hasMissing ? missingLeft : hL >= hR, gain };
  };
  for (const j of columns) {
    const o = j * 512;
    const gm = hist[o + 2 * MISSING_BIN];
    const hm = hist[o + 2 * MISSING_BIN + 1];
    const hasMissing = hm > 0;
    let gl = 0;
    let hl = 0;
    const last = data.binCounts[j] - 1;
    for (let b = 0; b < last; b++) {
      gl += hist[o + 2 * b];
      hl += hist[o + 2 * b + 1];
      // missing right: L = bins ≤ b; missing left: L = bins ≤ b plus the missing rows
      consider(j, b, gl, hl, false, hasMissing);
      if (hasMissing) consider(j, b, gl + gm, hl + hm, true, true);
    }
  }
  return best;
}

/** Every tree of a boosted model in flat arrays; node k of any tree is entry k of each array. */
export interface BoostedTrees {
  /** the initial margin (log-odds) every prediction starts from */
  baseMargin: number;
  /** node index of each tree's root */
  roots: Int32Array;
  /** split column of each node; −1 marks a leaf */
  feature: Int32Array;
  /** x[feature] ≤ threshold goes left */
  threshold: Float64Array;
  /** 1 where a missing x[feature] goes left */
  defaultLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  /** a leaf's contribution to the margin, η·w* */
  value: Float64Array;
}

/** The leaf x (p raw values from `offset`, NaN = missing) reaches in one tree. */
export function leafOf(trees: BoostedTrees, tree: number, x: ArrayLike<number>, offset = 0): number {
  const { feature, threshold, defaultLeft, left, right } = trees;
  let node = trees.roots[tree];
  while (feature[node] >= 0) {
    const v = x[offset + feature[node]];
    const goLeft = Number.isNaN(v) ? defaultLeft[node] === 1 : v <= threshold[node];
    node = goLeft ? left[node] : right[node];
  }
  return node;
}

/** margin(x) = baseMargin + Σ_trees value[leaf]: the model's log-odds. */
export function boostedMargin(trees: BoostedTrees, x: ArrayLike<number>, offset = 0): number {
  let m = trees.baseMargin;
  for (let t = 0; t < trees.roots.length; t++) m += trees.value[leafOf(trees, t, x, offset)];
  return m;
}

/** Nodes as they are grown; `splitBin` routes binned training rows and is not part of the model. */
export class TreeBuilder {
  feature: number[] = [];
  threshold: number[] = [];
  defaultLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  splitBin: number[] = [];
  roots: number[] = [];

  add(): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.defaultLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(0);
    this.splitBin.push(0);
    return this.feature.length - 1;
  }

  /** The leaf a binned row reaches from `root`. */
  leafOfRow(root: number, bins: Uint8Array, base: number): number {
    let node = root;
    while (this.feature[node] >= 0) {
      const b = bins[base + this.feature[node]];
      const goLeft = b === MISSING_BIN ? this.defaultLeft[node] === 1 : b <= this.splitBin[node];
      node = goLeft ? this.left[node] : this.right[node];
    }
    return node;
  }

  /**
   * The leaf raw values (p from `offset`, NaN = missing) reach from `root`, by the thresholds as a saved model routes
   * them.
   */
  leafOfValues(root: number, x: ArrayLike<number>, offset: number): number {
    let node = root;
    while (this.feature[node] >= 0) {
      const v = x[offset + this.feature[node]];
      const goLeft = Number.isNaN(v) ? this.defaultLeft[node] === 1 : v <= this.threshold[node];
      node = goLeft ? this.left[node] : this.right[node];
    }
    return node;
  }

  /** The model of the first `treeCount` trees (their nodes come first: trees are grown one after the other). */
  finish(baseMargin: number, treeCount = this.roots.length): BoostedTrees {
    const nodes = treeCount < this.roots.length ? this.roots[treeCount] : this.feature.length;
    return {
      baseMargin,
      roots: Int32Array.from(this.roots.slice(0, treeCount)),
      feature: Int32Array.from(this.feature.slice(0, nodes)),
      threshold: Float64Array.from(this.threshold.slice(0, nodes)),
      defaultLeft: Uint8Array.from(this.defaultLeft.slice(0, nodes)),
      left: Int32Array.from(this.left.slice(0, nodes)),
      right: Int32Array.from(this.right.slice(0, nodes)),
      value: Float64Array.from(this.value.slice(0, nodes)),
    };
  }
}

export interface GrowParams extends SplitParams {
  maxDepth: number;
  /** η: every leaf weight is multiplied by it */
  learningRate: number;
}

/**
 * Grows one tree depth-first on `rows` (reordered in place) to at most `maxDepth` levels and returns its root.
 * A node's histogram is built from its rows only for the smaller child; the larger child's is the parent's minus
 * it (LightGBM's subtraction trick), so each level scans at most half the rows. `edges[j]` turns a split bin of
 * column j into the raw threshold edges[j][bin].
 */
export function growTree(
  data: BinnedMatrix,
  edges: readonly Float64Array[],
  rows: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  columns: Int32Array,
  params: GrowParams,
  builder: TreeBuilder,
): number {
  const size = data.columns * 512;
  const pool: Float64Array[] = [];
  const take = (): Float64Array => pool.pop() ?? new Float64Array(size);
  const sums = (lo: number, hi: number) => {
    let g = 0;
    let h = 0;
    for (let r = lo; r < hi; r++) {
      g += grad[rows[r]];
      h += hess[rows[r]];
    }
    return { g, h };
  };
  const grow = (lo: number, hi: number, depth: number, hist: Float64Array): number => {
    const node = builder.add();
    const { g, h } = sums(lo, hi);
    const split =
      depth < params.maxDepth && h >= 2 * params.minChildWeight
        ? bestSplit(hist, data, columns, g, h, params)
        : undefined;
    if (!split) {
      builder.value[node] = params.learningRate * leafWeight(g, h, params.lambda);
      pool.push(hist);
      return node;
    }
    // partition rows[lo, hi) into left then right
    const { bins, columns: p } = data;
    let i = lo;
    let j = hi - 1;
    while (i <= j) {
      const b = bins[rows[i] * p + split.feature];
      const goLeft = b === MISSING_BIN ? split.defaultLeft : b <= split.bin;
      if (goLeft) i++;
      else {
        const tmp = rows[i];
        rows[i] = rows[j];
        rows[j] = tmp;
        j--;
      }
    }
    builder.feature[node] = split.feature;
    builder.splitBin[node] = split.bin;
    builder.threshold[node] = edges[split.feature][split.bin];
    builder.defaultLeft[node] = split.defaultLeft ? 1 : 0;
    const smallLeft = i - lo <= hi - i;
    const small = take();
    buildHistogram(data, smallLeft ? rows.subarray(lo, i) : rows.subarray(i, hi), grad, hess, columns, small);
    // the parent's histogram becomes the larger child's
    for (const c of columns) for (let o = c * 512, end = o + 512; o < end; o++) hist[o] -= small[o];
    const [leftHist, rightHist] = smallLeft ? [small, hist] : [hist, small];
    builder.left[node] = grow(lo, i, depth + 1, leftHist);
    builder.right[node] = grow(i, hi, depth + 1, rightHist);
    return node;
  };
  const rootHist = take();
  buildHistogram(data, rows, grad, hess, columns, rootHist);
  const root = grow(0, rows.length, 0, rootHist);
  builder.roots.push(root);
  return root;
}
