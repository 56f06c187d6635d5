/**
 * A writer for the ONNX graphs the project runs through onnxruntime: matrix-product kernels of the
 * engine and whole compiled models with their weights as initializers. It emits the protobuf wire
 * format of ModelProto directly, so no protobuf or onnx package is needed. Field numbers follow
 * onnx.proto (ModelProto.graph = 7, GraphProto.node = 1, GraphProto.initializer = 5,
 * NodeProto.op_type = 4, TensorProto.raw_data = 9, …). Large tensors are written as views, not
 * byte-by-byte, so a 200 MB model encodes in a few hundred milliseconds.
 */

/** Element types the writer supports (ONNX TensorProto.DataType names in tfjs spelling). */
export type OnnxElementType = "float32" | "uint8" | "int8" | "int32" | "int64" | "bfloat16";

/** A constant tensor stored in the model (weights, quantisation scales, shapes). */
export interface OnnxTensor {
  name: string;
  type: OnnxElementType;
  dims: readonly number[];
  /** Little-endian values; bfloat16 as the Uint16Array of its bit patterns. */
  data: Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array | Uint16Array;
}

/** One attribute of a node: int64, float32, int64 list, float32 list or a tensor. */
export type OnnxAttribute =
  | { int: number }
  | { float: number }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { tensor: OnnxTensor };

/** One node of a graph. `domain` is "" for standard ops and "com.microsoft" for contrib ops. */
export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, OnnxAttribute>>;
  domain?: string;
}

/**
 * A graph input or output. Each dimension is fixed (a number) or symbolic (a name such as
 * "batch", which lets one session take any batch size). `type` defaults to float32.
 */
export interface OnnxValue {
  name: string;
  shape: readonly (number | string)[];
  type?: OnnxElementType;
}

/** A graph: inputs, nodes in topological order, outputs, and constant initializers. */
export interface OnnxGraph {
  inputs: readonly OnnxValue[];
  nodes: readonly OnnxNode[];
  outputs: readonly OnnxValue[];
  initializers?: readonly OnnxTensor[];
  /** GraphProto.name (default "tml_kernel"). */
  name?: string;
}

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;
const ATTRIBUTE_TYPE = { float: 1, int: 2, tensor: 4, floats: 6, ints: 7 } as const;
const ELEMENT_TYPE: Readonly<Record<OnnxElementType, number>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bfloat16: 16,
};
const ELEMENT_BYTES: Readonly<Record<OnnxElementType, number>> = {
  float32: 4,
  uint8: 1,
  int8: 1,
  int32: 4,
  int64: 8,
  bfloat16: 2,
};
const IR_VERSION = 8;
const DEFAULT_OPSET = 17;
const MICROSOFT_OPSET = 1;
/** Byte runs at least this long are kept as views instead of being copied into small chunks. */
const VIEW_THRESHOLD = 64;

/** Protobuf writer over a list of byte chunks; nested messages share their chunks, never copy. */
class ProtoWriter {
  length = 0;
  private readonly chunks: Uint8Array[] = [];
  private pending: number[] = [];

  varint(value: number | bigint): this {
    let rest = BigInt.asUintN(64, BigInt(value));
    while (rest >= 0x80n) {
      this.byte(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.byte(Number(rest));
    return this;
  }

  key(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  int(field: number, value: number): this {
    return this.key(field, WIRE_VARINT).varint(value);
  }

  float(field: number, value: number): this {
    const buffer = new DataView(new ArrayBuffer(4));
    buffer.setFloat32(0, value, true);
    this.key(field, WIRE_FIXED32);
    for (let index = 0; index < 4; index++) this.byte(buffer.getUint8(index));
    return this;
  }

  bytes(field: number, bytes: Uint8Array): this {
    this.key(field, WIRE_LENGTH_DELIMITED).varint(bytes.length);
    if (bytes.length < VIEW_THRESHOLD) {
      for (const byte of bytes) this.byte(byte);
    } else {
      this.flush();
      this.chunks.push(bytes);
      this.length += bytes.length;
    }
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  message(field: number, inner: ProtoWriter): this {
    this.key(field, WIRE_LENGTH_DELIMITED).varint(inner.length);
    this.flush();
    for (const chunk of inner.parts()) this.chunks.push(chunk);
    this.length += inner.length;
    return this;
  }

  parts(): Uint8Array[] {
    this.flush();
    return this.chunks;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.parts()) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private byte(value: number): void {
    this.pending.push(value);
    this.length += 1;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.pending));
    this.pending = [];
  }
}

function valueInfo(value: OnnxValue): ProtoWriter {
  const shape = new ProtoWriter();
  for (const dim of value.shape) {
    const dimension = new ProtoWriter();
    if (typeof dim === "number") dimension.int(1, dim);
    else dimension.string(2, dim);
    shape.message(1, dimension);
  }
  const tensorType = new ProtoWriter()
    .int(1, ELEMENT_TYPE[value.type ?? "float32"])
    .message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, value.name).message(2, type);
}

function tensorProto(tensor: OnnxTensor): ProtoWriter {
  const expected = tensor.dims.reduce((product, dim) => product * dim, 1);
  if (tensor.data.length !== expected) {
    throw new RangeError(
      `ONNX tensor "${tensor.name}" has ${tensor.data.length} values; dims [${tensor.dims.join(", ")}] need ${expected}`,
    );
  }
  const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  if (bytes.length !== expected * ELEMENT_BYTES[tensor.type]) {
    throw new RangeError(`ONNX tensor "${tensor.name}": its data is not of type ${tensor.type}`);
  }
  const writer = new ProtoWriter();
  for (const dim of tensor.dims) writer.int(1, dim);
  return writer.int(2, ELEMENT_TYPE[tensor.type]).string(8, tensor.name).bytes(9, bytes);
}

function attributeProto(name: string, attribute: OnnxAttribute): ProtoWriter {
  const proto = new ProtoWriter().string(1, name);
  if ("int" in attribute) return proto.int(3, attribute.int).int(20, ATTRIBUTE_TYPE.int);
  if ("float" in attribute) return proto.float(2, attribute.float).int(20, ATTRIBUTE_TYPE.float);
  if ("ints" in attribute) {
    for (const value of attribute.ints) proto.int(8, value);
    return proto.int(20, ATTRIBUTE_TYPE.ints);
  }
  if ("floats" in attribute) {
    for (const value of attribute.floats) proto.float(7, value);
    return proto.int(20, ATTRIBUTE_TYPE.floats);
  }
  return proto.message(5, tensorProto(attribute.tensor)).int(20, ATTRIBUTE_TYPE.tensor);
}

function nodeProto(node: OnnxNode, index: number): ProtoWriter {
  const writer = new ProtoWriter();
  for (const input of node.inputs) writer.string(1, input);
  for (const output of node.outputs) writer.string(2, output);
  writer.string(3, `${node.opType}_${index}`).string(4, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes ?? {})) {
    writer.message(5, attributeProto(name, attribute));
  }
  if (node.domain) writer.string(7, node.domain);
  return writer;
}

/** Serialises a graph to the bytes of an ONNX ModelProto (IR 8, opset 17 + com.microsoft 1). */
export function encodeOnnxModel(graph: OnnxGraph): Uint8Array {
  const graphProto = new ProtoWriter();
  graph.nodes.forEach((node, index) => {
    graphProto.message(1, nodeProto(node, index));
  });
  graphProto.string(2, graph.name ?? "tml_kernel");
  for (const tensor of graph.initializers ?? []) graphProto.message(5, tensorProto(tensor));
  for (const input of graph.inputs) graphProto.message(11, valueInfo(input));
  for (const output of graph.outputs) graphProto.message(12, valueInfo(output));
  const model = new ProtoWriter()
    .int(1, IR_VERSION)
    .message(8, new ProtoWriter().string(1, "").int(2, DEFAULT_OPSET))
    .message(8, new ProtoWriter().string(1, "com.microsoft").int(2, MICROSOFT_OPSET))
    .string(2, "tml-ts")
    .message(7, graphProto);
  return model.finish();
}
