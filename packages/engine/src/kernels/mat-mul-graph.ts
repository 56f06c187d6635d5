import type { OnnxGraph, OnnxNode } from "../onnx-graph.js";

/** Activations tfjs fuses into `_FusedMatMul` that the onnxruntime route supports. */
export type OrtActivation = "linear" | "relu" | "sigmoid" | "elu" | "leakyrelu" | "prelu";

/** Shapes and flags of one (batched) matrix product with optional bias and activation. */
export interface MatMulSpec {
  aShape: readonly number[];
  bShape: readonly number[];
  outShape: readonly number[];
  transposeA: boolean;
  transposeB: boolean;
  biasShape?: readonly number[];
  activation: OrtActivation;
  leakyreluAlpha: number;
  preluShape?: readonly number[];
}

/**
 * Cache key of a spec: two specs with the same key run the same graph. Graphs have symbolic
 * dimensions, so the key holds ranks and flags only: a training run needs a handful of sessions
 * (each owns an intra-op thread pool) however many product shapes it has.
 */
export function matMulKey(spec: MatMulSpec): string {
  return [
    spec.aShape.length,
    spec.bShape.length,
    spec.transposeA ? "tA" : "",
    spec.transposeB ? "tB" : "",
    spec.biasShape?.length ?? "-",
    spec.activation,
    spec.activation === "leakyrelu" ? spec.leakyreluAlpha : "",
    spec.preluShape?.length ?? "-",
  ].join("|");
}

// One symbolic dimension per axis: shapes are read from the buffers at each run, and
// broadcasting (bias, prelu, batch) is resolved by onnxruntime then.
function symbolic(name: string, shape: readonly number[]): string[] {
  return shape.map((_, axis) => `${name}${axis}`);
}

/**
 * The ONNX graph of a spec (symbolic dimensions of its ranks): `Gemm` for plain matrices (its transA/transB and bias go straight to
 * MLAS's sgemm), contrib `FusedMatMul` for batched ones, then `Add` and the activation. Inputs are
 * named a, b, bias, prelu; the output y.
 */
export function matMulGraph(spec: MatMulSpec): OnnxGraph {
  const inputs = [
    { name: "a", shape: symbolic("a", spec.aShape) },
    { name: "b", shape: symbolic("b", spec.bShape) },
  ];
  const transposes = {
    transA: { int: spec.transposeA ? 1 : 0 },
    transB: { int: spec.transposeB ? 1 : 0 },
  };
  const nodes: OnnxNode[] = [];
  const plain = spec.aShape.length === 2 && spec.bShape.length === 2;
  let current = "product";
  if (spec.biasShape !== undefined)
    inputs.push({ name: "bias", shape: symbolic("bias", spec.biasShape) });
  if (plain) {
    const gemmInputs = spec.biasShape === undefined ? ["a", "b"] : ["a", "b", "bias"];
    nodes.push({ opType: "Gemm", inputs: gemmInputs, outputs: [current], attributes: transposes });
  } else {
    nodes.push({
      opType: "FusedMatMul",
      domain: "com.microsoft",
      inputs: ["a", "b"],
      outputs: [current],
      attributes: transposes,
    });
    if (spec.biasShape !== undefined) {
      nodes.push({ opType: "Add", inputs: [current, "bias"], outputs: ["biased"] });
      current = "biased";
    }
  }
  const activation = activationNode(spec, current);
  if (activation !== undefined) nodes.push(activation);
  if (spec.activation === "prelu")
    inputs.push({ name: "prelu", shape: symbolic("prelu", spec.preluShape ?? [1]) });
  nodes[nodes.length - 1] = { ...nodes[nodes.length - 1]!, outputs: ["y"] };
  return { inputs, nodes, outputs: [{ name: "y", shape: symbolic("y", spec.outShape) }] };
}

function activationNode(spec: MatMulSpec, input: string): OnnxNode | undefined {
  const outputs = ["activated"];
  switch (spec.activation) {
    case "linear":
      return undefined;
    case "relu":
      return { opType: "Relu", inputs: [input], outputs };
    case "sigmoid":
      return { opType: "Sigmoid", inputs: [input], outputs };
    case "elu":
      return { opType: "Elu", inputs: [input], outputs, attributes: { alpha: { float: 1 } } };
    case "leakyrelu":
      return {
        opType: "LeakyRelu",
        inputs: [input],
        outputs,
        attributes: { alpha: { float: spec.leakyreluAlpha } },
      };
    case "prelu":
      return { opType: "PRelu", inputs: [input, "prelu"], outputs };
  }
}
