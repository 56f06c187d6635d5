import * as tf from "@tensorflow/tfjs-core";
import {
  hasCompiledProducts,
  hasGpuProducts,
  loadPlatformBlas,
  type PlatformBlas,
} from "@tml/engine";
import type { MatrixView } from "./gemm.js";
import type { StepKernels } from "./step-kernels.js";

/**
 * The three products of a shared-candidate score block: scores `S = A C^T`, and the gradients
 * `dA += dS C`, `dC += dS^T A`. Operands are contiguous from row 0 and live in the step kernels'
 * memory. `createDenseProducts` sends large blocks to the platform BLAS, or to the active tfjs
 * backend when the engine says its products are compiled (wasm/XNNPACK, tensorflow: multi-threaded
 * sgemm) or run on a GPU (webgpu: preferred over the BLAS), the rest to the SIMD kernels. Each
 * product resolves once its output is written (a GPU backend is read back asynchronously).
 */
export interface DenseProducts {
  /** `out (n x m) = A (n x k) C (m x k)^T`. */
  scores(
    a: Float32Array,
    n: number,
    c: Float32Array,
    m: number,
    k: number,
    out: MatrixView,
  ): Promise<void>;
  /** `dA (n x k) += G (n x m) C (m x k)`. */
  gradQueries(
    g: MatrixView,
    n: number,
    m: number,
    c: Float32Array,
    k: number,
    dA: Float32Array,
  ): Promise<void>;
  /** `dC (m x k) += G (n x m)^T A (n x k)`. */
  gradCandidates(
    g: MatrixView,
    n: number,
    m: number,
    a: Float32Array,
    k: number,
    dC: Float32Array,
  ): Promise<void>;
}

/** The products computed by `kernels` (the step's SIMD kernels; the reference kernels in tests). */
export function kernelProducts(kernels: StepKernels): DenseProducts {
  return {
    scores: async (a, n, c, m, k, out) => kernels.gemmNT(a, 0, n, c, 0, m, k, out),
    gradQueries: async (g, n, m, c, k, dA) => kernels.gemmNNAccumulate(g, n, m, c, 0, k, dA, 0),
    gradCandidates: async (g, n, m, a, k, dC) => kernels.gemmTNAccumulate(g, n, m, a, 0, k, dC, 0),
  };
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

// The operands are uploaded before this returns its promise (so the caller may reuse them); the
// download is awaited (GPU backends have no synchronous read in Node) outside tf.tidy.
async function matMul(
  x: Float32Array,
  xr: number,
  xc: number,
  y: Float32Array,
  yc: number,
): Promise<Float32Array> {
  const product = tf.tidy(() => tf.matMul(tf.tensor2d(x, [xr, xc]), tf.tensor2d(y, [xc, yc])));
  try {
    return (await product.data()) as Float32Array;
  } finally {
    product.dispose();
  }
}

/**
 * Products routed to tfjs for blocks of at least `minWork` multiply-adds (pre-transposing in JS,
 * because tfjs's transposed matMul bypasses XNNPACK), to `small` below. `scratch` grows to the
 * largest block seen.
 */
export function tfjsProducts(small: DenseProducts, minWork: number): DenseProducts {
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
    async scores(a, n, c, m, k, out) {
      if (n * m * k < minWork) return small.scores(a, n, c, m, k, out);
      const ct = transpose(c.subarray(0, m * k), m, k, ensure(m * k));
      const s = await matMul(a.subarray(0, n * k), n, k, ct, m);
      for (let i = 0; i < n; i++)
        out.data.set(s.subarray(i * m, (i + 1) * m), out.offset + i * out.stride);
    },
    async gradQueries(g, n, m, c, k, dA) {
      if (n * m * k < minWork) return small.gradQueries(g, n, m, c, k, dA);
      const packed = packRows(g, n, m, ensure(n * m));
      const r = await matMul(packed, n, m, c.subarray(0, m * k), k);
      for (let i = 0; i < n * k; i++) dA[i]! += r[i]!;
    },
    async gradCandidates(g, n, m, a, k, dC) {
      if (n * m * k < minWork) return small.gradCandidates(g, n, m, a, k, dC);
      const packed = packRows(g, n, m, ensure(n * m));
      const gt = transpose(packed, n, m, ensure2(n * m));
      const r = await matMul(gt, m, n, a.subarray(0, n * k), k);
      for (let i = 0; i < m * k; i++) dC[i]! += r[i]!;
    },
  };
}

/**
 * Products on the platform BLAS for blocks of at least `minWork` multiply-adds, in place (strides
 * and accumulation are sgemm's own `ld` and `beta`: no packing, no copies), to `small` below.
 */
export function blasProducts(
  blas: PlatformBlas,
  small: DenseProducts,
  minWork: number,
): DenseProducts {
  return {
    async scores(a, n, c, m, k, out) {
      if (n * m * k < minWork) return small.scores(a, n, c, m, k, out);
      const s = out.data.subarray(out.offset);
      blas.sgemm(false, true, n, m, k, a, k, c, k, 0, s, out.stride);
    },
    async gradQueries(g, n, m, c, k, dA) {
      if (n * m * k < minWork) return small.gradQueries(g, n, m, c, k, dA);
      blas.sgemm(false, false, n, k, m, g.data.subarray(g.offset), g.stride, c, k, 1, dA, k);
    },
    async gradCandidates(g, n, m, a, k, dC) {
      if (n * m * k < minWork) return small.gradCandidates(g, n, m, a, k, dC);
      blas.sgemm(true, false, m, k, n, g.data.subarray(g.offset), g.stride, a, k, 1, dC, k);
    },
  };
}

/** Where a step's large products run (`createDenseProducts`). */
export interface DenseProductOptions {
  /** Large blocks through tfjs (default: when the engine's products are compiled). */
  compiled?: boolean;
  /**
   * Large blocks through tfjs on the GPU, never on a BLAS (default: when the engine's products run
   * on a GPU, `hasGpuProducts`); implies `compiled`.
   */
  gpu?: boolean;
  /** Large blocks on this BLAS instead (default: the platform BLAS when `compiled` and it loads). */
  blas?: PlatformBlas | undefined;
}

// Blocks of at least this many multiply-adds leave the SIMD kernels.
const MIN_BLAS_WORK = 1 << 15;
const MIN_TFJS_WORK = 1 << 18;

/**
 * The step's products: on a GPU backend, large blocks through tfjs; otherwise large blocks on the
 * platform BLAS (in place) or, without one, through tfjs on a compiled backend; the rest, and
 * everything on the pure-JS backend, in `kernels`.
 */
export function createDenseProducts(
  kernels: StepKernels,
  options: DenseProductOptions = {},
): DenseProducts {
  const small = kernelProducts(kernels);
  const gpu = options.gpu ?? hasGpuProducts();
  if (gpu) return tfjsProducts(small, MIN_TFJS_WORK);
  const compiled = options.compiled ?? hasCompiledProducts();
  let blas = options.blas;
  if (blas === undefined && compiled && !("blas" in options)) {
    const loaded = loadPlatformBlas();
    if (loaded.ok) blas = loaded.blas;
  }
  if (blas !== undefined) return blasProducts(blas, small, MIN_BLAS_WORK);
  return compiled ? tfjsProducts(small, MIN_TFJS_WORK) : small;
}
