import { UsageError } from "@tml/core";
import type { MaskNetConfig, MlpConfig, TaskModelConfig } from "../config/model-config.js";
import { attr, type GraphBuilder } from "./graph-builder.js";
import type { HostWeight } from "./host-weights.js";
import { mlpPositions } from "./mlp-positions.js";

/**
 * Emits the Heavy Ranker's layers as GraphDef nodes, reading each tensor by its state_dict name
 * and mirroring the tfjs model's inference-mode ops one for one, so the exported
 * graph reproduces its outputs.
 */
export class RecapGraphLayers {
  private readonly constants = new Map<string, string>();
  private readonly axisLast: string;
  private readonly axisColumns: string;

  constructor(
    readonly graph: GraphBuilder,
    private readonly weights: ReadonlyMap<string, HostWeight>,
  ) {
    this.axisLast = graph.constant("axis_last", Int32Array.of(-1), []);
    this.axisColumns = graph.constant("axis_columns", Int32Array.of(1), []);
  }

  /** Whether the model has a tensor of that name. */
  has(key: string): boolean {
    return this.weights.has(key);
  }

  /** The constant node holding a named tensor (emitted once). */
  tensor(key: string): string {
    const existing = this.constants.get(key);
    if (existing) return existing;
    const weight = this.weights.get(key);
    if (!weight) throw new UsageError(`graph export: the model has no tensor "${key}"`);
    const node = this.graph.constant(`w/${key}`, weight.data, [...weight.shape]);
    this.constants.set(key, node);
    return node;
  }

  /** Concatenation along columns ([B, a] ⊕ [B, b]); a single input passes through. */
  concat(inputs: readonly string[]): string {
    if (inputs.length === 1) return inputs[0] as string;
    return this.graph.op("ConcatV2", [...inputs, this.axisColumns], { N: attr.int(inputs.length) });
  }

  /** y = x · Wᵀ + b (W [out, in] as torch; b only if the model has one), optionally ReLU. */
  linear(x: string, prefix: string, relu = false): string {
    const product = this.graph.op("MatMul", [x, this.tensor(`${prefix}.weight`)], {
      transpose_a: attr.bool(false),
      transpose_b: attr.bool(true),
    });
    const biased = this.has(`${prefix}.bias`)
      ? this.graph.op("BiasAdd", [product, this.tensor(`${prefix}.bias`)])
      : product;
    return relu ? this.graph.op("Relu", [biased]) : biased;
  }

  /** LayerNorm over the last axis with biased variance; affine iff `prefix.weight` exists. */
  layerNorm(x: string, prefix: string, epsilon: number): string {
    const mean = this.graph.op("Mean", [x, this.axisLast], { keep_dims: attr.bool(true) });
    // Square of Sub rather than SquaredDifference: tfjs's SquaredDifference gradient does not
    // reduce a broadcast input, and the explorer differentiates this graph in the browser.
    const centered = this.graph.op("Sub", [x, mean]);
    const variance = this.graph.op("Mean", [this.graph.op("Square", [centered]), this.axisLast], {
      keep_dims: attr.bool(true),
    });
    const scale = this.graph.op("Rsqrt", [
      this.graph.op("AddV2", [variance, this.graph.scalar(epsilon)]),
    ]);
    const normalized = this.graph.op("Mul", [centered, scale]);
    return this.affine(normalized, prefix);
  }

  /** BatchNorm1d in inference mode (running statistics, eps 1e-5); affine iff `prefix.weight` exists. */
  batchNorm(x: string, prefix: string, epsilon = 1e-5): string {
    const variance = this.graph.op("AddV2", [
      this.tensor(`${prefix}.running_var`),
      this.graph.scalar(epsilon),
    ]);
    const centered = this.graph.op("Sub", [x, this.tensor(`${prefix}.running_mean`)]);
    const normalized = this.graph.op("Mul", [centered, this.graph.op("Rsqrt", [variance])]);
    return this.affine(normalized, prefix);
  }

  /** MLP (`model/mlp.py`) with torch Sequential positions; dropout is the identity at inference. */
  mlp(x: string, prefix: string, config: MlpConfig): string {
    const positions = mlpPositions(config);
    let net = x;
    for (const { linear, batchNorm } of positions.hidden) {
      if (batchNorm === undefined) {
        net = this.linear(net, `${prefix}.layers.${linear}`, true);
      } else {
        net = this.batchNorm(
          this.linear(net, `${prefix}.layers.${linear}`),
          `${prefix}.layers.${batchNorm}`,
        );
        net = this.graph.op("Relu", [net]);
      }
    }
    return this.linear(net, `${prefix}.layers.${positions.last}`, config.final_layer_activation);
  }

  /**
   * MaskNet (`projects/home/recap/model/mask_net.py`), parallel or serial, then its MLP; a block's
   * `activation` follows its LayerNorm, its dropout is the identity at inference.
   */
  maskNet(x: string, prefix: string, config: MaskNetConfig): string {
    const outputs: string[] = [];
    let net = x;
    config.mask_blocks.forEach((block, index) => {
      const blockPrefix = `${prefix}._mask_blocks.${index}`;
      const input = config.use_parallel ? x : net;
      const normalized = block.input_layer_norm
        ? this.layerNorm(input, `${blockPrefix}._input_layer_norm`, 1e-5)
        : input;
      const hiddenMask = this.linear(x, `${blockPrefix}._mask_layer.0`, true);
      const mask = this.linear(hiddenMask, `${blockPrefix}._mask_layer.2`);
      const hidden = this.linear(
        this.graph.op("Mul", [normalized, mask]),
        `${blockPrefix}._hidden_layer`,
      );
      net = this.layerNorm(hidden, `${blockPrefix}._layer_norm`, 1e-5);
      if (block.activation === "relu") net = this.graph.op("Relu", [net]);
      outputs.push(net);
    });
    const blockOutput = config.use_parallel ? this.concat(outputs) : net;
    return config.mlp ? this.mlp(blockOutput, `${prefix}._dense_layers`, config.mlp) : blockOutput;
  }

  /** A tower or backbone: MLP or MaskNet (DCN and DLRM are not exportable yet). */
  taskNetwork(x: string, prefix: string, config: TaskModelConfig): string {
    if (config.mlp_config) return this.mlp(x, prefix, config.mlp_config);
    if (config.mask_net_config) return this.maskNet(x, prefix, config.mask_net_config);
    throw new UsageError(
      `graph export supports MLP and MaskNet networks; ${prefix || "a tower"} uses DCN or DLRM`,
    );
  }

  private affine(x: string, prefix: string): string {
    if (!this.has(`${prefix}.weight`)) return x;
    const scaled = this.graph.op("Mul", [x, this.tensor(`${prefix}.weight`)]);
    return this.graph.op("AddV2", [scaled, this.tensor(`${prefix}.bias`)]);
  }
}
