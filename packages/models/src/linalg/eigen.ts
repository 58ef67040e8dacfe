import { DriftwatchError } from '@driftwatch/contracts';
import { assertFiniteSquare } from './checks';

export interface SymmetricEigen {
  /** eigenvalues, descending */
  values: Float64Array;
  /** row-major d×d: vectors[i·d + j] = i-th coordinate of the eigenvector of values[j] */
  vectors: Float64Array;
}

const EPS = Number.EPSILON;
/** QL sweeps allowed per eigenvalue; well-conditioned problems need 2–3. */
const MAX_SWEEPS = 60;

/**
 * Eigen-decomposition A = V·diag(λ)·Vᵀ of the symmetric part (A + Aᵀ)/2 of a row-major d×d matrix:
 * Householder reduction to tridiagonal form, then implicit QL iterations with Wilkinson shifts.
 * Rotations are accumulated on the rows of Vᵀ so that every inner loop runs over contiguous memory.
 */
export function symmetricEigen(a: Float64Array, d: number): SymmetricEigen {
  assertFiniteSquare(a, d, 'symmetricEigen');
  const work = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const s = 0.5 * (a[i * d + j] + a[j * d + i]);
      work[i * d + j] = s;
      work[j * d + i] = s;
    }
  }
  const diag = new Float64Array(d);
  const off = new Float64Array(d);
  const q = tridiagonalise(work, d, diag, off);
  const qt = transpose(q, d);
  tridiagonalQL(diag, off, qt, d);
  return sortDescending(diag, qt, d);
}

/**
 * Reduces the symmetric matrix `t` (overwritten) to T = Qᵀ·A·Q with Q = H_0·H_1⋯H_{d−3},
 * H_k = I − β_k v_k v_kᵀ zeroing column k below the subdiagonal. Writes T's diagonal and
 * subdiagonal (off[k] couples k and k+1) and returns Q, row-major.
 */
function tridiagonalise(t: Float64Array, d: number, diag: Float64Array, off: Float64Array): Float64Array {
  const house = new Float64Array(d * d);
  const beta = new Float64Array(d);
  const p = new Float64Array(d);
  for (let k = 0; k < d - 2; k++) {
    const m = k + 1;
    let scale = 0;
    for (let i = m; i < d; i++) scale = Math.max(scale, Math.abs(t[i * d + k]));
    diag[k] = t[k * d + k];
    if (scale === 0) {
      // the column is already zero below the subdiagonal: H_k = I
      off[k] = 0;
      continue;
    }
    // work on x/scale so that ‖x‖² can neither overflow nor underflow; H does not depend on the scale
    const v = house.subarray(k * d, (k + 1) * d);
    let sigma2 = 0;
    for (let i = m; i < d; i++) {
      const x = t[i * d + k] / scale;
      v[i] = x;
      sigma2 += x * x;
    }
    const sigma = Math.sqrt(sigma2);
    // α = −sign(x_m)·‖x‖ makes v_m = x_m − α a sum of equal signs, avoiding cancellation
    const alpha = v[m] >= 0 ? -sigma : sigma;
    v[m] -= alpha;
    // vᵀv = ‖x‖² − 2αx_m + α² = −2α·v_m (α² = ‖x‖²), a product of opposite signs, so positive
    const b = 2 / (-2 * alpha * v[m]);
    beta[k] = b;
    off[k] = alpha * scale;
    // B ← H·B·H on the trailing block, as a rank-2 update: p = βBv, q = p − (β/2)(vᵀp)v, B ← B − vqᵀ − qvᵀ
    let vp = 0;
    for (let i = m; i < d; i++) {
      const row = i * d;
      let s = 0;
      for (let j = m; j < d; j++) s += t[row + j] * v[j];
      p[i] = b * s;
      vp += v[i] * p[i];
    }
    const half = 0.5 * b * vp;
    for (let i = m; i < d; i++) p[i] -= half * v[i];
    for (let i = m; i < d; i++) {
      const row = i * d;
      const vi = v[i];
      const pi = p[i];
      for (let j = m; j < d; j++) t[row + j] -= vi * p[j] + pi * v[j];
    }
  }
  if (d >= 2) {
    diag[d - 2] = t[(d - 2) * d + d - 2];
    off[d - 2] = t[(d - 1) * d + d - 2];
  }
  diag[d - 1] = t[(d - 1) * d + d - 1];
  off[d - 1] = 0;

  // Q = H_0(H_1(⋯H_{d−3})): applied right to left, each H_k only touches rows and columns > k
  const q = new Float64Array(d * d);
  for (let i = 0; i < d; i++) q[i * d + i] = 1;
  const w = new Float64Array(d);
  for (let k = d - 3; k >= 0; k--) {
    const b = beta[k];
    if (b === 0) continue;
    const m = k + 1;
    const v = house.subarray(k * d, (k + 1) * d);
    w.fill(0, m);
    for (let i = m; i < d; i++) {
      const vi = v[i];
      const row = i * d;
      for (let j = m; j < d; j++) w[j] += vi * q[row + j];
    }
    for (let i = m; i < d; i++) {
      const f = b * v[i];
      const row = i * d;
      for (let j = m; j < d; j++) q[row + j] -= f * w[j];
    }
  }
  return q;
}

/**
 * Implicit QL on the symmetric tridiagonal matrix (diag, off), in place: `diag` ends as the
 * eigenvalues, and every plane rotation applied to T is also applied to rows (i, i+1) of `zt`
 * (so rows of zt become the eigenvectors when zt starts as Qᵀ).
 */
function tridiagonalQL(diag: Float64Array, off: Float64Array, zt: Float64Array, d: number): void {
  for (let l = 0; l < d; l++) {
    let sweeps = 0;
    for (;;) {
      // the unreduced block starting at l ends at the first negligible off-diagonal element
      let m = l;
      while (m < d - 1 && Math.abs(off[m]) > EPS * (Math.abs(diag[m]) + Math.abs(diag[m + 1]))) m++;
      if (m === l) break;
      if (++sweeps > MAX_SWEEPS)
        throw new DriftwatchError(`symmetricEigen: no convergence for eigenvalue ${l} after ${MAX_SWEEPS} QL sweeps`);
      // shift μ = eigenvalue of the leading 2×2 block closer to diag[l] (Wilkinson); g starts as diag[m] − μ
      let g = (diag[l + 1] - diag[l]) / (2 * off[l]);
      let r = hypot(g, 1);
      g = diag[m] - diag[l] + off[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let deflated = false;
      // chase the bulge from the bottom of the block up to l with rotations in planes (i, i+1)
      for (let i = m - 1; i >= l; i--) {
        const f = s * off[i];
        const b = c * off[i];
        r = hypot(f, g);
        off[i + 1] = r;
        if (r === 0) {
          // an exact zero split the block: undo the pending diagonal change and restart on the smaller block
          diag[i + 1] -= p;
          off[m] = 0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = diag[i + 1] - p;
        r = (diag[i] - g) * s + 2 * c * b;
        p = s * r;
        diag[i + 1] = g + p;
        g = c * r - b;
        rotateRows(zt, d, i, c, s);
      }
      if (deflated) continue;
      diag[l] -= p;
      off[l] = g;
      off[m] = 0;
    }
  }
}

/** (row_i, row_{i+1}) ← (c·row_i − s·row_{i+1}, s·row_i + c·row_{i+1}) */
function rotateRows(zt: Float64Array, d: number, i: number, c: number, s: number): void {
  const a = i * d;
  const b = a + d;
  for (let k = 0; k < d; k++) {
    const x = zt[a + k];
    const y = zt[b + k];
    zt[b + k] = s * x + c * y;
    zt[a + k] = c * x - s * y;
  }
}

/** √(x² + y²) without overflow or underflow of the squares. */
function hypot(x: number, y: number): number {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  if (ax > ay) {
    const r = ay / ax;
    return ax * Math.sqrt(1 + r * r);
  }
  if (ay === 0) return 0;
  const r = ax / ay;
  return ay * Math.sqrt(1 + r * r);
}

function transpose(a: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[j * d + i] = a[i * d + j];
  return out;
}

function sortDescending(values: Float64Array, zt: Float64Array, d: number): SymmetricEigen {
  const order = Array.from({ length: d }, (_, i) => i).sort((x, y) => values[y] - values[x]);
  const sorted = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const src = order[j];
    sorted[j] = values[src];
    const row = src * d;
    for (let i = 0; i < d; i++) vectors[i * d + j] = zt[row + i];
  }
  return { values: sorted, vectors };
}
