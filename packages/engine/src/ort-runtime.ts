import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { getFlag } from "@tml/core";
import { encodeOnnxModel, type OnnxGraph } from "./onnx-graph.js";

/** Typed arrays onnxruntime reads and writes in place: float32, int32, int64, uint8, int8. */
export type OrtData = Float32Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

/** A buffer with its shape, handed to or filled by onnxruntime without a copy. */
export interface OrtBuffer {
  data: OrtData;
  shape: readonly number[];
}

type OrtTensorType = "float32" | "int32" | "int64" | "uint8" | "int8";

interface OrtTensorConstructor {
  new (type: OrtTensorType, data: OrtData, dims: readonly number[]): unknown;
}

function tensorType(data: OrtData): OrtTensorType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int8Array) return "int8";
  return "uint8";
}

/** How much onnxruntime rewrites a graph before running it. */
export type OrtOptimizationLevel = "disabled" | "basic" | "extended" | "all";

/** Options of `OrtRuntime.load`. */
export interface OrtSessionOptions {
  /** Graph optimisation level (default "all": constant folding, fusions, weight prepacking). */
  optimization?: OrtOptimizationLevel;
}

/**
 * One model loaded into its own onnxruntime session: constant initializers (weights) are folded
 * and prepacked once at load, then every `run` reads inputs from and writes outputs into caller
 * buffers. Not thread-safe; `dispose` frees the native session.
 */
export class OrtSession {
  private disposed = false;

  constructor(
    private readonly native: NativeSession,
    private readonly tensor: OrtTensorConstructor,
  ) {}

  /** Runs the model once; every graph output to read needs a buffer of its exact shape. */
  run(
    inputs: Readonly<Record<string, OrtBuffer>>,
    outputs: Readonly<Record<string, OrtBuffer>>,
  ): void {
    if (this.disposed) throw new Error("OrtSession.run after dispose");
    runNative(this.native, this.tensor, inputs, outputs);
  }

  /** Frees the native session (idempotent). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.native.dispose();
  }
}

// onnxruntime-node's binding refuses typed arrays over a SharedArrayBuffer ("Invalid argument"):
// such inputs (tables shared by Hogwild workers) are copied, such outputs written through a copy.
function isShared(data: OrtData): boolean {
  return typeof SharedArrayBuffer !== "undefined" && data.buffer instanceof SharedArrayBuffer;
}

function runNative(
  session: NativeSession,
  tensor: OrtTensorConstructor,
  inputs: Readonly<Record<string, OrtBuffer>>,
  outputs: Readonly<Record<string, OrtBuffer>>,
): void {
  const feeds: Record<string, unknown> = {};
  for (const [name, buffer] of Object.entries(inputs)) {
    const data = isShared(buffer.data) ? buffer.data.slice() : buffer.data;
    feeds[name] = new tensor(tensorType(data), data, buffer.shape);
  }
  const fetches: Record<string, unknown> = {};
  const copyBack: [OrtData, OrtData][] = [];
  for (const [name, buffer] of Object.entries(outputs)) {
    let data = buffer.data;
    if (isShared(data)) {
      data = data.slice();
      copyBack.push([buffer.data, data]);
    }
    fetches[name] = new tensor(tensorType(data), data, buffer.shape);
  }
  session.run(feeds, fetches, {});
  for (const [target, written] of copyBack) (target as Float32Array).set(written as Float32Array);
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
 * Runs ONNX graphs synchronously on onnxruntime-node's native CPU library, with inputs read from
 * and outputs written into caller-owned typed arrays (e.g. views on the wasm heap): no copies.
 * Small kernel graphs get one cached session per graph key (`run`); whole models get a session of
 * their own (`load`). Each session runs on `threads` intra-op threads (sleeping, not spinning,
 * between runs).
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
    runNative(this.session(key, graph), this.tensor, inputs, outputs);
  }

  /**
   * Loads a whole model (ModelProto bytes, or a graph to encode) into a session of its own, outside
   * the per-key cache; the caller disposes it. Throws onnxruntime's error when the model is invalid.
   */
  load(model: Uint8Array | OnnxGraph, options: OrtSessionOptions = {}): OrtSession {
    const bytes = model instanceof Uint8Array ? model : encodeOnnxModel(model);
    return new OrtSession(this.createSession(bytes, options.optimization ?? "all"), this.tensor);
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
    const session = this.createSession(encodeOnnxModel(graph()), "all");
    this.sessions.set(key, session);
    return session;
  }

  private createSession(bytes: Uint8Array, optimization: OrtOptimizationLevel): NativeSession {
    const session = new this.native.binding.InferenceSession();
    session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
      intraOpNumThreads: this.threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: optimization,
      // Pool threads sleep between runs instead of spinning: kernels run one product at a time
      // between tfjs ops, and spinning workers would steal the core the JS thread needs (measured
      // 2026-12-06, local_prod training at 2 threads: 267 samples/s spinning, 435 sleeping).
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    });
    return session;
  }
}

/** Outcome of loading onnxruntime-node: the runtime, or why it is unusable. */
export type OrtLoadResult = { ok: true; runtime: OrtRuntime } | { ok: false; reason: string };

/**
 * Loads onnxruntime-node's native CPU library. Never throws: any failure (package absent, native
 * library missing for this platform, ABI mismatch) comes back as `{ ok: false, reason }`.
 */
export function loadOrtRuntime(threads = getFlag("TML_ENGINE_THREADS")): OrtLoadResult {
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
