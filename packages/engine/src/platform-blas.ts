import { createRequire } from "node:module";
import { getFlag } from "@tml/core";

/** A platform BLAS loaded at run time: OpenBLAS (the BLAS PyTorch uses on Linux) or Accelerate. */
export interface PlatformBlas {
  /** The library file that was loaded. */
  readonly library: string;
  /** Threads of its pool as last set (OpenBLAS; 0 for Accelerate, which manages its own). */
  readonly threads: number;
  /**
   * Sets the pool's threads for the whole process (OpenBLAS; a no-op for Accelerate). 1 makes
   * every call run on its caller's thread, so several threads can call at once (Hogwild).
   */
  setThreads(threads: number): void;
  /**
   * Row-major `C = op(A) op(B) + beta C` (C is M x N), reading and writing the arrays in place
   * (views on the wasm heap included).
   */
  sgemm(
    transposeA: boolean,
    transposeB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
}

/** Outcome of `loadPlatformBlas`: the BLAS, or why there is none. */
export type PlatformBlasResult = { ok: true; blas: PlatformBlas } | { ok: false; reason: string };

interface Koffi {
  load(path: string): { func(signature: string): (...args: unknown[]) => unknown };
}

// cblas constants.
const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

/** Libraries tried in order on each platform. */
export function blasCandidates(platform: string = process.platform): string[] {
  switch (platform) {
    case "darwin":
      return ["/System/Library/Frameworks/Accelerate.framework/Accelerate"];
    case "linux":
      return ["libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0"];
    default:
      return [];
  }
}

let cached: PlatformBlasResult | undefined;

/**
 * Loads the platform's BLAS through koffi (an FFI package with prebuilt binaries; a call costs
 * well under a microsecond) and sets its pool to `threads`. Never throws: no koffi, no library, or
 * the `TML_PLATFORM_BLAS=0` flag come back as `{ ok: false, reason }`. Loaded once per thread.
 */
export function loadPlatformBlas(threads = getFlag("TML_ENGINE_THREADS")): PlatformBlasResult {
  if (!getFlag("TML_PLATFORM_BLAS")) return { ok: false, reason: "TML_PLATFORM_BLAS=0" };
  cached ??= load();
  if (cached.ok) cached.blas.setThreads(threads);
  return cached;
}

function load(): PlatformBlasResult {
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)("koffi") as Koffi;
  } catch (error) {
    return { ok: false, reason: `koffi is not installed (${(error as Error).message})` };
  }
  const tried: string[] = [];
  for (const library of blasCandidates()) {
    let handle: ReturnType<Koffi["load"]>;
    try {
      handle = koffi.load(library);
    } catch {
      tried.push(library);
      continue;
    }
    try {
      const sgemm = handle.func(
        "void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, void *a, int lda, void *b, int ldb, float beta, void *c, int ldc)",
      );
      let setNumThreads: ((threads: number) => unknown) | undefined;
      try {
        setNumThreads = handle.func("void openblas_set_num_threads(int)");
      } catch {
        setNumThreads = undefined;
      }
      let poolThreads = 0;
      const blas: PlatformBlas = {
        library,
        get threads() {
          return poolThreads;
        },
        setThreads(threads) {
          if (setNumThreads === undefined) return;
          setNumThreads(threads);
          poolThreads = threads;
        },
        sgemm(transposeA, transposeB, m, n, k, a, lda, b, ldb, beta, c, ldc) {
          sgemm(
            ROW_MAJOR,
            transposeA ? TRANS : NO_TRANS,
            transposeB ? TRANS : NO_TRANS,
            m,
            n,
            k,
            1,
            a,
            lda,
            b,
            ldb,
            beta,
            c,
            ldc,
          );
        },
      };
      return { ok: true, blas };
    } catch (error) {
      return {
        ok: false,
        reason: `${library} has no usable cblas_sgemm (${(error as Error).message})`,
      };
    }
  }
  return {
    ok: false,
    reason:
      tried.length === 0
        ? `no platform BLAS is known on ${process.platform}`
        : `none of ${tried.join(", ")} could be loaded (on Debian/Ubuntu: apt-get install libopenblas0-pthread)`,
  };
}
