/**
 * A writer for the few ONNX graphs the engine runs through onnxruntime: one or more nodes over
 * float32 inputs of fixed shapes. It emits the protobuf wire format of ModelProto directly, so the
 * engine needs no protobuf or onnx package. Field numbers follow onnx.proto (ModelProto.graph = 7,
 * GraphProto.node = 1, NodeProto.op_type = 4, …).
 */

/** One attribute of a node: an int64 (`INT`) or a float32 (`FLOAT`). */
export type OnnxAttribute = { int: number } | { float: number };

/** One node of a graph. `domain` is "" for standard ops and "com.microsoft" for contrib ops. */
export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, OnnxAttribute>>;
  domain?: string;
}

/** A float32 graph input or output with a fixed shape. */
export interface OnnxValue {
  name: string;
  shape: readonly number[];
}

/** A graph of float32 values: inputs, nodes in topological order, outputs. */
export interface OnnxGraph {
  inputs: readonly OnnxValue[];
  nodes: readonly OnnxNode[];
  outputs: readonly OnnxValue[];
}

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;
const ELEMENT_TYPE_FLOAT = 1;
const ATTRIBUTE_TYPE_FLOAT = 1;
const ATTRIBUTE_TYPE_INT = 2;
const IR_VERSION = 8;
const DEFAULT_OPSET = 17;
const MICROSOFT_OPSET = 1;

class ProtoWriter {
  readonly bytes: number[] = [];

  varint(value: number): this {
    let rest = BigInt.asUintN(64, BigInt(value));
    while (rest >= 0x80n) {
      this.bytes.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.bytes.push(Number(rest));
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
    for (let index = 0; index < 4; index++) this.bytes.push(buffer.getUint8(index));
    return this;
  }

  raw(field: number, bytes: readonly number[] | Uint8Array): this {
    this.key(field, WIRE_LENGTH_DELIMITED).varint(bytes.length);
    for (const byte of bytes) this.bytes.push(byte);
    return this;
  }

  string(field: number, text: string): this {
    return this.raw(field, new TextEncoder().encode(text));
  }

  message(field: number, inner: ProtoWriter): this {
    return this.raw(field, inner.bytes);
  }
}

function valueInfo(value: OnnxValue): ProtoWriter {
  const shape = new ProtoWriter();
  for (const dim of value.shape) shape.message(1, new ProtoWriter().int(1, dim));
  const tensorType = new ProtoWriter().int(1, ELEMENT_TYPE_FLOAT).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, value.name).message(2, type);
}

function nodeProto(node: OnnxNode, index: number): ProtoWriter {
  const writer = new ProtoWriter();
  for (const input of node.inputs) writer.string(1, input);
  for (const output of node.outputs) writer.string(2, output);
  writer.string(3, `${node.opType}_${index}`).string(4, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes ?? {})) {
    const proto = new ProtoWriter().string(1, name);
    if ("int" in attribute) proto.int(3, attribute.int).int(20, ATTRIBUTE_TYPE_INT);
    else proto.float(2, attribute.float).int(20, ATTRIBUTE_TYPE_FLOAT);
    writer.message(5, proto);
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
  graphProto.string(2, "tml_kernel");
  for (const input of graph.inputs) graphProto.message(11, valueInfo(input));
  for (const output of graph.outputs) graphProto.message(12, valueInfo(output));
  const model = new ProtoWriter()
    .int(1, IR_VERSION)
    .message(8, new ProtoWriter().string(1, "").int(2, DEFAULT_OPSET))
    .message(8, new ProtoWriter().string(1, "com.microsoft").int(2, MICROSOFT_OPSET))
    .string(2, "tml-ts")
    .message(7, graphProto);
  return Uint8Array.from(model.bytes);
}
