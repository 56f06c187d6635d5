import { UsageError } from "@tml/core";
import type { MaskNetConfig, MlpConfig, TaskModelConfig } from "../config/model-config.js";
import type { HostWeight } from "./host-weights.js";
import { quantizePerColumn } from "./int8-weights.js";
import { mlpPositions } from "./mlp-positions.js";
import type { OnnxBuilder } from "./onnx-builder.js";

/**
 * Precision of the dense layers of a compiled model: "fp32" keeps every weight, "int8" stores the
 * weights of every dense layer wider than one output as int8 per output channel and quantises its
 * input dynamically (uint8, one scale per batch) so the product runs on int8 dot-product units.
 */
export type OnnxPrecision = "fp32" | "int8";

const BATCH_NORM_EPSILON = 1e-5;
const BLOCK_LAYER_NORM_EPSILON = 1e-5;

/** Per-column y = x · scale + shift of BatchNorm1d in inference mode (running statistics). */
interface ColumnAffine {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

/**
 * Emits the Heavy Ranker's layers as ONNX nodes, reading each tensor by its state_dict name
 * in inference mode. Batch norms after a linear layer are folded into its weights, so a
 * dense layer is one product (MatMul + Add, or DynamicQuantizeMatMul in int8) plus its ReLU.
 */
export class RecapOnnxLayers {
  private readonly initializers = new Map<string, string>();

  constructor(
    readonly builder: OnnxBuilder,
    private readonly weights: ReadonlyMap<string, HostWeight>,
    readonly precision: OnnxPrecision,
  ) {}

  /** Whether the model has a tensor of that name. */
  has(key: string): boolean {
    return this.weights.has(key);
  }

  /** A named tensor's values (as float32) and shape. */
  values(key: string): { data: Float32Array; shape: readonly number[] } {
    const weight = this.weights.get(key);
    if (!weight) throw new UsageError(`ONNX export: the model has no tensor "${key}"`);
    const data = weight.data;
    return {
      data: data instanceof Float32Array ? data : Float32Array.from(data),
      shape: weight.shape,
    };
  }

  /** The float32 initializer of a named tensor (emitted once). */
  tensor(key: string): string {
    const existing = this.initializers.get(key);
    if (existing) return existing;
    const { data, shape } = this.values(key);
    const name = this.builder.constant(key, data, shape);
    this.initializers.set(key, name);
    return name;
  }

  /** Concatenation along columns; a single input passes through. */
  concat(inputs: readonly string[]): string {
    if (inputs.length === 1) return inputs[0] as string;
    return this.builder.op("Concat", inputs, { axis: { int: 1 } });
  }

  /**
   * Linear layer `prefix` (torch layout weight [out, in], bias [out] if the model has one) on
   * [B, in], with the batch norm at `batchNorm` (if any) folded in and an optional ReLU → [B, out].
   */
  dense(x: string, prefix: string, options: { relu?: boolean; batchNorm?: string } = {}): string {
    const weight = this.values(`${prefix}.weight`);
    const bias = this.has(`${prefix}.bias`) ? this.values(`${prefix}.bias`).data : null;
    const [outFeatures, inFeatures] = weight.shape as [number, number];
    const fold = options.batchNorm ? this.batchNormAffine(options.batchNorm, outFeatures) : null;
    // in x out, so both MatMul and DynamicQuantizeMatMul take it as B.
    const transposed = new Float32Array(inFeatures * outFeatures);
    const folded = new Float32Array(outFeatures);
    for (let out = 0; out < outFeatures; out++) {
      const scale = fold ? (fold.scale[out] as number) : 1;
      folded[out] =
        (bias ? (bias[out] as number) : 0) * scale + (fold ? (fold.shift[out] as number) : 0);
      for (let input = 0; input < inFeatures; input++) {
        transposed[input * outFeatures + out] =
          (weight.data[out * inFeatures + input] as number) * scale;
      }
    }
    const biasName = this.builder.constant(`${prefix}.bias`, folded, [outFeatures]);
    let product: string;
    if (this.precision === "int8" && outFeatures > 1) {
      const quantized = quantizePerColumn(transposed, inFeatures, outFeatures);
      const values = this.builder.constant(
        `${prefix}.weight_int8`,
        quantized.values,
        [inFeatures, outFeatures],
        "int8",
      );
      const scales = this.builder.constant(`${prefix}.weight_scale`, quantized.scales, [
        outFeatures,
      ]);
      product = this.builder.op(
        "DynamicQuantizeMatMul",
        [x, values, scales, "", biasName],
        undefined,
        "com.microsoft",
      );
    } else {
      const weightName = this.builder.constant(`${prefix}.weight`, transposed, [
        inFeatures,
        outFeatures,
      ]);
      product = this.builder.op("Add", [this.builder.op("MatMul", [x, weightName]), biasName]);
    }
    return options.relu ? this.builder.op("Relu", [product]) : product;
  }

  /** LayerNorm over the last axis of [B, width]; affine iff `prefix.weight` exists. */
  layerNorm(x: string, prefix: string, epsilon: number, width: number): string {
    const affine = this.has(`${prefix}.weight`);
    const scale = affine
      ? this.tensor(`${prefix}.weight`)
      : this.builder.constant(`${prefix}.ones`, new Float32Array(width).fill(1), [width]);
    const inputs = affine ? [x, scale, this.tensor(`${prefix}.bias`)] : [x, scale];
    return this.builder.op("LayerNormalization", inputs, {
      axis: { int: -1 },
      epsilon: { float: epsilon },
    });
  }

  /** BatchNorm1d in inference mode as one multiply-add per column. */
  batchNorm(x: string, prefix: string, width: number): string {
    const { scale, shift } = this.batchNormAffine(prefix, width);
    const scaleName = this.builder.constant(`${prefix}.scale`, Float32Array.from(scale), [width]);
    const shiftName = this.builder.constant(`${prefix}.shift`, Float32Array.from(shift), [width]);
    return this.builder.op("Add", [this.builder.op("Mul", [x, scaleName]), shiftName]);
  }

  /** MLP (`model/mlp.py`) with torch Sequential positions; dropout is the identity at inference. */
  mlp(x: string, prefix: string, config: MlpConfig): string {
    const positions = mlpPositions(config);
    let net = x;
    for (const { linear, batchNorm } of positions.hidden) {
      net = this.dense(net, `${prefix}.layers.${linear}`, {
        relu: true,
        ...(batchNorm === undefined ? {} : { batchNorm: `${prefix}.layers.${batchNorm}` }),
      });
    }
    return this.dense(net, `${prefix}.layers.${positions.last}`, {
      relu: config.final_layer_activation,
    });
  }

  /**
   * MaskNet (`projects/home/recap/model/mask_net.py`), parallel or serial, then its MLP; a block's
   * `activation` follows its LayerNorm, its dropout is the identity at inference.
   */
  maskNet(x: string, prefix: string, config: MaskNetConfig, width: number): string {
    const outputs: string[] = [];
    let net = x;
    let netWidth = width;
    config.mask_blocks.forEach((block, index) => {
      const blockPrefix = `${prefix}._mask_blocks.${index}`;
      const input = config.use_parallel ? x : net;
      const inputWidth = config.use_parallel ? width : netWidth;
      const normalized = block.input_layer_norm
        ? this.layerNorm(
            input,
            `${blockPrefix}._input_layer_norm`,
            BLOCK_LAYER_NORM_EPSILON,
            inputWidth,
          )
        : input;
      const hiddenMask = this.dense(x, `${blockPrefix}._mask_layer.0`, { relu: true });
      const mask = this.dense(hiddenMask, `${blockPrefix}._mask_layer.2`);
      const masked = this.builder.op("Mul", [normalized, mask]);
      const hidden = this.dense(masked, `${blockPrefix}._hidden_layer`);
      net = this.layerNorm(
        hidden,
        `${blockPrefix}._layer_norm`,
        BLOCK_LAYER_NORM_EPSILON,
        block.output_size,
      );
      if (block.activation === "relu") net = this.builder.op("Relu", [net]);
      netWidth = block.output_size;
      outputs.push(net);
    });
    const blockOutput = config.use_parallel ? this.concat(outputs) : net;
    return config.mlp ? this.mlp(blockOutput, `${prefix}._dense_layers`, config.mlp) : blockOutput;
  }

  /** A tower or backbone on [B, width]: MLP or MaskNet; DCN and DLRM raise a UsageError. */
  taskNetwork(x: string, prefix: string, config: TaskModelConfig, width: number): string {
    if (config.mlp_config) return this.mlp(x, prefix, config.mlp_config);
    if (config.mask_net_config) return this.maskNet(x, prefix, config.mask_net_config, width);
    const layer = config.dcn_config ? "dcn_config (DCN-v2)" : "dlrm_config (DLRM)";
    throw new UsageError(
      `ONNX export supports MLP and MaskNet networks; ${prefix} uses ${layer}: score this model with the tfjs forward pass (precision "tfjs")`,
    );
  }

  private batchNormAffine(prefix: string, width: number): ColumnAffine {
    const mean = this.values(`${prefix}.running_mean`).data;
    const variance = this.values(`${prefix}.running_var`).data;
    const weight = this.has(`${prefix}.weight`) ? this.values(`${prefix}.weight`).data : null;
    const bias = this.has(`${prefix}.bias`) ? this.values(`${prefix}.bias`).data : null;
    const scale = new Float64Array(width);
    const shift = new Float64Array(width);
    for (let column = 0; column < width; column++) {
      const gain =
        (weight ? (weight[column] as number) : 1) /
        Math.sqrt((variance[column] as number) + BATCH_NORM_EPSILON);
      scale[column] = gain;
      shift[column] = (bias ? (bias[column] as number) : 0) - (mean[column] as number) * gain;
    }
    return { scale, shift };
  }
}
