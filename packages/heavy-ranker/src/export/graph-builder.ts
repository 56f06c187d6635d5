import type * as tf from "@tensorflow/tfjs-core";

/** A TensorFlow AttrValue in GraphDef JSON form. */
export type AttrValue =
  | { type: string }
  | { b: boolean }
  | { i: string }
  | { f: number }
  | { shape: { dim: { size: string }[] } };

/** One GraphDef node in JSON form (what tfjs-converter's loader reads). */
export interface GraphNode {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, AttrValue>;
}

const FLOAT: AttrValue = { type: "DT_FLOAT" };
const INT32: AttrValue = { type: "DT_INT32" };

/**
 * Builds a TensorFlow GraphDef in JSON plus its weights: constants are stored in the weights
 * manifest (tfjs graph-model format) and everything else is a node with its inputs by name.
 * Only ops tfjs-converter executes are used, so the result loads with plain `@tensorflow/tfjs`.
 */
export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly weightSpecs: tf.io.WeightsManifestEntry[] = [];
  private readonly weightChunks: Uint8Array[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /** A float32 [-1, ...rest] (or given dtype) graph input. */
  placeholder(
    name: string,
    shape: readonly number[],
    dtype: "float32" | "int32" = "float32",
  ): string {
    return this.add(name, "Placeholder", [], {
      dtype: dtype === "float32" ? FLOAT : INT32,
      shape: { shape: { dim: shape.map((size) => ({ size: String(size) })) } },
    });
  }

  /** A constant stored in the weights file. */
  constant(name: string, values: Float32Array | Int32Array, shape: readonly number[]): string {
    const nodeName = this.unique(name);
    const dtype = values instanceof Int32Array ? "int32" : "float32";
    this.weightSpecs.push({ name: nodeName, shape: [...shape], dtype });
    this.weightChunks.push(
      new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
    );
    this.nodes.push({
      name: nodeName,
      op: "Const",
      input: [],
      attr: { dtype: dtype === "float32" ? FLOAT : INT32 },
    });
    return nodeName;
  }

  /** A float32 scalar constant. */
  scalar(value: number, name = "scalar"): string {
    return this.constant(name, Float32Array.of(value), []);
  }

  /** An op node; `attr` T defaults to float32. Returns the node name (its output 0). */
  op(
    op: string,
    inputs: readonly string[],
    attr: Record<string, AttrValue> = {},
    name?: string,
  ): string {
    return this.add(name ?? op.toLowerCase(), op, inputs, { T: FLOAT, ...attr });
  }

  /** All weights concatenated in manifest order. */
  weightData(): ArrayBuffer {
    const total = this.weightChunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of this.weightChunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out.buffer;
  }

  private add(
    name: string,
    op: string,
    inputs: readonly string[],
    attr: Record<string, AttrValue>,
  ): string {
    const nodeName = this.unique(name);
    this.nodes.push({ name: nodeName, op, input: [...inputs], attr });
    return nodeName;
  }

  private unique(name: string): string {
    let candidate = name;
    while (this.names.has(candidate)) {
      this.counter += 1;
      candidate = `${name}_${this.counter}`;
    }
    this.names.add(candidate);
    return candidate;
  }
}

/** GraphDef attribute helpers. */
export const attr = {
  bool: (value: boolean): AttrValue => ({ b: value }),
  int: (value: number): AttrValue => ({ i: String(value) }),
};
