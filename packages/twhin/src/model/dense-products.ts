import * as tf from "@tensorflow/tfjs-core";
import { gemmNNAccumulate, gemmNT, gemmTNAccumulate, type MatrixView } from "../kernels/gemm.js";

/**
 * The three products of a shared-candidate score block: scores `S = A C^T`, and the gradients
 * `dA += dS C`, `dC += dS^T A`. Large blocks go to the active tfjs backend when it is a compiled
 * one (wasm/XNNPACK, tensorflow), which is about 10x faster than JS loops; small ones stay in JS.
 */
export interface DenseProducts {
  /** `out (n x m) = A (n x k) C (m x k)^T`. */
  scores(a: Float32Array, n: number, c: Float32Array, m: number, k: number, out: MatrixView): void;
  /** `dA (n x k) += G (n x m) C (m x k)`. */
  gradQueries(
    g: MatrixView,
    n: number,
    m: number,
    c: Float32Array,
    k: number,
    dA: Float32Array,
  ): void;
  /** `dC (m x k) += G (n x m)^T A (n x k)`. */
  gradCandidates(
    g: MatrixView,
    n: number,
    m: number,
    a: Float32Array,
    k: number,
    dC: Float32Array,
  ): void;
}

/** Pure JS products (exact reference; used for small blocks and in tests). */
export const jsProducts: DenseProducts = {
  scores: (a, n, c, m, k, out) => gemmNT(a, 0, n, c, 0, m, k, out),
  gradQueries: (g, n, m, c, k, dA) => gemmNNAccumulate(g, n, m, c, 0, k, dA, 0),
  gradCandidates: (g, n, m, a, k, dC) => gemmTNAccumulate(g, n, m, a, 0, k, dC, 0),
};

const COMPILED_BACKENDS = new Set(["wasm", "tensorflow", "webgpu", "webgl"]);

/** True when the active tfjs backend multiplies faster than JS loops. */
export function hasCompiledBackend(): boolean {
  try {
    return COMPILED_BACKENDS.has(tf.getBackend());
  } catch {
    return false;
  }
}

function packRows(view: MatrixView, n: number, m: number, scratch: Float32Array): Float32Array {
  const out = scratch.subarray(0, n * m);
  for (let i = 0; i < n; i++) {
    out.set(
      view.data.subarray(view.offset + i * view.stride, view.offset + i * view.stride + m),
      i * m,
    );
  }
  return out;
}

function transpose(
  src: Float32Array,
  rows: number,
  cols: number,
  scratch: Float32Array,
): Float32Array {
  const out = scratch.subarray(0, rows * cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = src[base + j]!;
  }
  return out;
}

// The download happens outside tf.tidy: tidy walks a returned typed array element by element.
function matMul(
  x: Float32Array,
  xr: number,
  xc: number,
  y: Float32Array,
  yc: number,
): Float32Array {
  const product = tf.tidy(() => tf.matMul(tf.tensor2d(x, [xr, xc]), tf.tensor2d(y, [xc, yc])));
  const values = product.dataSync() as Float32Array;
  product.dispose();
  return values;
}

/**
 * Products routed to tfjs for blocks of at least `minWork` multiply-adds (pre-transposing in JS,
 * because tfjs's transposed matMul bypasses XNNPACK). `scratch` grows to the largest block seen.
 */
export function createTfProducts(minWork = 1 << 18): DenseProducts {
  let scratch = new Float32Array(0);
  let scratch2 = new Float32Array(0);
  const ensure = (size: number): Float32Array => {
    if (scratch.length < size) scratch = new Float32Array(size);
    return scratch;
  };
  const ensure2 = (size: number): Float32Array => {
    if (scratch2.length < size) scratch2 = new Float32Array(size);
    return scratch2;
  };
  return {
    scores(a, n, c, m, k, out) {
      if (n * m * k < minWork) return jsProducts.scores(a, n, c, m, k, out);
      const ct = transpose(c.subarray(0, m * k), m, k, ensure(m * k));
      const s = matMul(a.subarray(0, n * k), n, k, ct, m);
      for (let i = 0; i < n; i++)
        out.data.set(s.subarray(i * m, (i + 1) * m), out.offset + i * out.stride);
    },
    gradQueries(g, n, m, c, k, dA) {
      if (n * m * k < minWork) return jsProducts.gradQueries(g, n, m, c, k, dA);
      const packed = packRows(g, n, m, ensure(n * m));
      const r = matMul(packed, n, m, c.subarray(0, m * k), k);
      for (let i = 0; i < n * k; i++) dA[i]! += r[i]!;
    },
    gradCandidates(g, n, m, a, k, dC) {
      if (n * m * k < minWork) return jsProducts.gradCandidates(g, n, m, a, k, dC);
      const packed = packRows(g, n, m, ensure(n * m));
      const gt = transpose(packed, n, m, ensure2(n * m));
      const r = matMul(gt, m, n, a.subarray(0, n * k), k);
      for (let i = 0; i < m * k; i++) dC[i]! += r[i]!;
    },
  };
}

/** The products to use now: tfjs-routed on a compiled backend, JS otherwise. */
export function selectProducts(): DenseProducts {
  return hasCompiledBackend() ? createTfProducts() : jsProducts;
}
