import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { encodeOnnxModel, type OnnxGraph } from "./onnx-graph.js";

/** A float32 buffer with its shape, handed to or filled by onnxruntime without a copy. */
export interface OrtBuffer {
  data: Float32Array;
  shape: readonly number[];
}

interface OrtTensorConstructor {
  new (type: "float32", data: Float32Array, dims: readonly number[]): unknown;
}

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>, options: object): unknown;
  dispose(): void;
}

interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

/** Sessions kept per graph shape; a training run uses a few dozen, so this bound is rarely hit. */
const MAX_CACHED_SESSIONS = 256;

/**
 * Runs small ONNX graphs synchronously on onnxruntime-node's native CPU library, with inputs read
 * from and outputs written into caller-owned Float32Arrays (views on the wasm heap): no copies.
 * One cached session per graph key; single-threaded unless `threads` says otherwise.
 *
 * It calls the package's native binding directly: the public `InferenceSession.run` is async,
 * while a tfjs kernel must return synchronously.
 */
export class OrtRuntime {
  readonly version: string;
  readonly threads: number;
  private readonly sessions = new Map<string, NativeSession>();
  private readonly native: NativeBinding;
  private readonly tensor: OrtTensorConstructor;

  constructor(
    native: NativeBinding,
    tensor: OrtTensorConstructor,
    version: string,
    threads: number,
  ) {
    this.native = native;
    this.tensor = tensor;
    this.version = version;
    this.threads = threads;
  }

  /** Number of sessions currently cached. */
  get cachedSessions(): number {
    return this.sessions.size;
  }

  /** Runs the graph named by `key` (built by `graph()` on first use) over the given buffers. */
  run(
    key: string,
    graph: () => OnnxGraph,
    inputs: Readonly<Record<string, OrtBuffer>>,
    outputs: Readonly<Record<string, OrtBuffer>>,
  ): void {
    const session = this.session(key, graph);
    const feeds: Record<string, unknown> = {};
    for (const [name, buffer] of Object.entries(inputs)) {
      feeds[name] = new this.tensor("float32", buffer.data, buffer.shape);
    }
    const fetches: Record<string, unknown> = {};
    for (const [name, buffer] of Object.entries(outputs)) {
      fetches[name] = new this.tensor("float32", buffer.data, buffer.shape);
    }
    session.run(feeds, fetches, {});
  }

  /** Releases every cached session. */
  dispose(): void {
    for (const session of this.sessions.values()) session.dispose();
    this.sessions.clear();
  }

  private session(key: string, graph: () => OnnxGraph): NativeSession {
    const cached = this.sessions.get(key);
    if (cached !== undefined) return cached;
    if (this.sessions.size >= MAX_CACHED_SESSIONS) {
      const [oldestKey, oldest] = this.sessions.entries().next().value as [string, NativeSession];
      oldest.dispose();
      this.sessions.delete(oldestKey);
    }
    const bytes = encodeOnnxModel(graph());
    const session = new this.native.binding.InferenceSession();
    session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
      intraOpNumThreads: this.threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
    this.sessions.set(key, session);
    return session;
  }
}

/** Outcome of loading onnxruntime-node: the runtime, or why it is unusable. */
export type OrtLoadResult = { ok: true; runtime: OrtRuntime } | { ok: false; reason: string };

/**
 * Loads onnxruntime-node's native CPU library. Never throws: any failure (package absent, native
 * library missing for this platform, ABI mismatch) comes back as `{ ok: false, reason }`.
 */
export function loadOrtRuntime(threads = 1): OrtLoadResult {
  try {
    const require = createRequire(import.meta.url);
    const entry = require.resolve("onnxruntime-node");
    const packageDir = dirname(dirname(entry));
    const version = (require(join(packageDir, "package.json")) as { version: string }).version;
    const { Tensor } = require("onnxruntime-node") as { Tensor: OrtTensorConstructor };
    const native = require(join(dirname(entry), "binding.js")) as NativeBinding;
    native.initOrt();
    const runtime = new OrtRuntime(native, Tensor, version, threads);
    const probeOutput = Float32Array.of(7);
    runtime.run(
      "probe",
      () => ({
        inputs: [{ name: "x", shape: [1] }],
        nodes: [{ opType: "Relu", inputs: ["x"], outputs: ["y"] }],
        outputs: [{ name: "y", shape: [1] }],
      }),
      { x: { data: Float32Array.of(-1), shape: [1] } },
      { y: { data: probeOutput, shape: [1] } },
    );
    if (probeOutput[0] !== 0) {
      return { ok: false, reason: "onnxruntime-node ran but did not write into the output buffer" };
    }
    return { ok: true, runtime };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
