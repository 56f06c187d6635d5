import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import type { PlatformBlas } from "../platform-blas.js";
import type { MatMulSpec } from "./mat-mul-graph.js";

/** The operands of one product, as the kernels receive them. */
interface BlasOperands {
  a: TensorInfo;
  b: TensorInfo;
  bias?: TensorInfo;
}

// The BLAS route: no activation; a bias only on plain matrices (written into C first, beta = 1);
// batched products whose operands are either batched alike or shared (batch 1).
export function blasCan(spec: MatMulSpec): boolean {
  if (spec.activation !== "linear") return false;
  if (spec.aShape.length === 2 && spec.bShape.length === 2) {
    return spec.biasShape === undefined || spec.biasShape.length <= 2;
  }
  if (spec.biasShape !== undefined || spec.aShape.length > 3 || spec.bShape.length > 3) {
    return false;
  }
  const batch = spec.outShape[0]!;
  return [batchOf(spec.aShape), batchOf(spec.bShape)].every((n) => n === 1 || n === batch);
}

// A rank-2 operand of a batched product is shared by every batch entry.
function batchOf(shape: readonly number[]): number {
  return shape.length === 3 ? shape[0]! : 1;
}

export function runOnBlas(
  backend: BackendWasm,
  blas: PlatformBlas,
  args: BlasOperands,
  { spec, outShape }: { spec: MatMulSpec; outShape: number[] },
): TensorInfo {
  const out = backend.makeOutput(outShape, "float32");
  // Views are taken after makeOutput: an allocation may grow the heap and detach older views.
  const heap = (info: TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
  const a = heap(args.a);
  const b = heap(args.b);
  const c = heap(out);
  const [m, n] = spec.outShape.slice(-2) as [number, number];
  const k = spec.transposeA ? spec.aShape.at(-2)! : spec.aShape.at(-1)!;
  const lda = spec.transposeA ? m : k;
  const ldb = spec.transposeB ? k : n;
  if (spec.aShape.length === 2 && spec.bShape.length === 2) {
    let beta = 0;
    if (args.bias !== undefined) {
      fillBias(c, heap(args.bias), spec.biasShape!, m, n);
      beta = 1;
    }
    blas.sgemm(spec.transposeA, spec.transposeB, m, n, k, a, lda, b, ldb, beta, c, n);
  } else {
    const batch = spec.outShape[0]!;
    const aStride = batchOf(spec.aShape) === 1 ? 0 : m * k;
    const bStride = batchOf(spec.bShape) === 1 ? 0 : k * n;
    for (let i = 0; i < batch; i++) {
      blas.sgemm(
        spec.transposeA,
        spec.transposeB,
        m,
        n,
        k,
        a.subarray(i * aStride, i * aStride + m * k),
        lda,
        b.subarray(i * bStride, i * bStride + k * n),
        ldb,
        0,
        c.subarray(i * m * n, (i + 1) * m * n),
        n,
      );
    }
  }
  return out;
}

// C (m x n) = bias broadcast: [n], [1], [1, n], [m, n], [m, 1] or [1, 1].
function fillBias(
  c: Float32Array,
  bias: Float32Array,
  shape: readonly number[],
  m: number,
  n: number,
) {
  const rows = shape.length === 2 ? shape[0]! : 1;
  const columns = shape.at(-1)!;
  for (let i = 0; i < m; i++) {
    const from = (rows === 1 ? 0 : i) * columns;
    if (columns === n) c.set(bias.subarray(from, from + n), i * n);
    else c.fill(bias[from]!, i * n, (i + 1) * n);
  }
}
