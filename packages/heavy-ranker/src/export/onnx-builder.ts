import type {
  OnnxAttribute,
  OnnxElementType,
  OnnxGraph,
  OnnxNode,
  OnnxTensor,
  OnnxValue,
} from "@tml/engine";

/**
 * Builds an ONNX graph node by node: every op gets a fresh output name, constants become
 * initializers (weights included, so onnxruntime folds and prepacks them at load).
 */
export class OnnxBuilder {
  readonly inputs: OnnxValue[] = [];
  readonly nodes: OnnxNode[] = [];
  readonly outputs: OnnxValue[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly names = new Set<string>();
  private readonly scalars = new Map<string, string>();

  /** A graph input; returns its name. */
  input(name: string, shape: readonly (number | string)[], type?: OnnxElementType): string {
    this.claim(name);
    this.inputs.push({ name, shape, ...(type ? { type } : {}) });
    return name;
  }

  /** Exposes `value` as the graph output `name` (through an Identity node). */
  output(value: string, name: string, shape: readonly (number | string)[]): void {
    this.claim(name);
    this.nodes.push({ opType: "Identity", inputs: [value], outputs: [name] });
    this.outputs.push({ name, shape });
  }

  /** An initializer; returns its (unique) name. */
  constant(
    name: string,
    data: OnnxTensor["data"],
    dims: readonly number[],
    type: OnnxElementType = "float32",
  ): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, type, dims, data });
    return unique;
  }

  /** A float32 scalar initializer, shared by every use of the same value. */
  scalar(value: number): string {
    const key = String(value);
    const existing = this.scalars.get(key);
    if (existing) return existing;
    const name = this.constant("scalar", Float32Array.of(value), []);
    this.scalars.set(key, name);
    return name;
  }

  /** An int64 vector initializer (shapes, axes, split sizes). */
  int64s(name: string, values: readonly number[]): string {
    return this.constant(name, BigInt64Array.from(values, BigInt), [values.length], "int64");
  }

  /** One node with one output; returns the output's name. "" in `inputs` skips an optional input. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes?: Readonly<Record<string, OnnxAttribute>>,
    domain?: string,
  ): string {
    const [output] = this.opOutputs(opType, inputs, 1, attributes, domain);
    return output as string;
  }

  /** One node with `count` outputs; returns their names. */
  opOutputs(
    opType: string,
    inputs: readonly string[],
    count: number,
    attributes?: Readonly<Record<string, OnnxAttribute>>,
    domain?: string,
  ): string[] {
    const outputs = Array.from({ length: count }, () => this.unique(opType.toLowerCase()));
    this.nodes.push({
      opType,
      inputs,
      outputs,
      ...(attributes ? { attributes } : {}),
      ...(domain ? { domain } : {}),
    });
    return outputs;
  }

  /** The finished graph. */
  graph(name: string): OnnxGraph {
    return {
      name,
      inputs: this.inputs,
      nodes: this.nodes,
      outputs: this.outputs,
      initializers: this.initializers,
    };
  }

  private unique(base: string): string {
    let candidate = base;
    for (let index = 1; this.names.has(candidate); index++) candidate = `${base}_${index}`;
    this.names.add(candidate);
    return candidate;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`ONNX graph: the name "${name}" is taken`);
    this.names.add(name);
  }
}
