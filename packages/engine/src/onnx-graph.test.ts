import { describe, expect, it } from "vitest";
import { encodeOnnxModel, type OnnxGraph } from "./onnx-graph.js";

/** A protobuf field as read back: varints as bigint, fixed32 as bytes, length-delimited as bytes. */
interface Field {
  field: number;
  wire: number;
  value: bigint | Uint8Array;
}

// A minimal independent protobuf reader, so the encoding is checked without onnxruntime.
function readFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[offset++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (offset < bytes.length) {
    const key = Number(varint());
    const wire = key & 7;
    const field = key >> 3;
    if (wire === 0) fields.push({ field, wire, value: varint() });
    else if (wire === 5) {
      fields.push({ field, wire, value: bytes.subarray(offset, offset + 4) });
      offset += 4;
    } else if (wire === 2) {
      const length = Number(varint());
      fields.push({ field, wire, value: bytes.subarray(offset, offset + length) });
      offset += length;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return fields;
}

const text = (value: Field["value"]) => new TextDecoder().decode(value as Uint8Array);
const only = (fields: Field[], field: number) => fields.filter((entry) => entry.field === field);
const bytesOf = (field: Field | undefined) => field?.value as Uint8Array;

describe("encodeOnnxModel", () => {
  const weights = Float32Array.of(1.5, -2, 0.25, 8);
  const graph: OnnxGraph = {
    name: "tiny",
    inputs: [{ name: "x", shape: ["batch", 2] }],
    nodes: [
      { opType: "MatMul", inputs: ["x", "w"], outputs: ["y"] },
      {
        opType: "Gather",
        inputs: ["y", "ids"],
        outputs: ["z"],
        attributes: { axis: { int: 1 }, scales: { floats: [0.5] }, axes: { ints: [-1, 3] } },
      },
    ],
    outputs: [{ name: "z", shape: ["batch", 1] }],
    initializers: [
      { name: "w", type: "float32", dims: [2, 2], data: weights },
      { name: "ids", type: "int32", dims: [1], data: Int32Array.of(1) },
    ],
  };

  it("writes initializers as dims, data type, name and little-endian raw_data", () => {
    const model = readFields(encodeOnnxModel(graph));
    expect(only(model, 1)[0]?.value).toBe(8n); // ir_version
    const graphFields = readFields(bytesOf(only(model, 7)[0]));
    expect(text(only(graphFields, 2)[0]?.value)).toBe("tiny");
    const [first, second] = only(graphFields, 5).map((entry) => readFields(bytesOf(entry)));
    expect(only(first ?? [], 1).map((entry) => entry.value)).toEqual([2n, 2n]);
    expect(only(first ?? [], 2)[0]?.value).toBe(1n); // FLOAT
    expect(text(only(first ?? [], 8)[0]?.value)).toBe("w");
    const raw = bytesOf(only(first ?? [], 9)[0]);
    expect(Array.from(new Float32Array(raw.slice().buffer))).toEqual([1.5, -2, 0.25, 8]);
    expect(only(second ?? [], 2)[0]?.value).toBe(6n); // INT32
  });

  it("writes symbolic dimensions as dim_param and fixed ones as dim_value", () => {
    const graphFields = readFields(bytesOf(only(readFields(encodeOnnxModel(graph)), 7)[0]));
    const input = readFields(bytesOf(only(graphFields, 11)[0]));
    const tensorType = readFields(bytesOf(only(readFields(bytesOf(only(input, 2)[0])), 1)[0]));
    const dims = only(readFields(bytesOf(only(tensorType, 2)[0])), 1).map((entry) =>
      readFields(bytesOf(entry)),
    );
    expect(text(only(dims[0] ?? [], 2)[0]?.value)).toBe("batch");
    expect(only(dims[1] ?? [], 1)[0]?.value).toBe(2n);
  });

  it("writes int, float, ints and floats attributes with their types", () => {
    const graphFields = readFields(bytesOf(only(readFields(encodeOnnxModel(graph)), 7)[0]));
    const gather = readFields(bytesOf(only(graphFields, 1)[1]));
    const attributes = only(gather, 5).map((entry) => readFields(bytesOf(entry)));
    const byName = new Map(attributes.map((fields) => [text(only(fields, 1)[0]?.value), fields]));
    expect(only(byName.get("axis") ?? [], 3)[0]?.value).toBe(1n);
    expect(only(byName.get("axis") ?? [], 20)[0]?.value).toBe(2n);
    const floats = bytesOf(only(byName.get("scales") ?? [], 7)[0]);
    expect(new Float32Array(floats.slice().buffer)[0]).toBe(0.5);
    expect(only(byName.get("scales") ?? [], 20)[0]?.value).toBe(6n);
    const ints = only(byName.get("axes") ?? [], 8).map((entry) =>
      BigInt.asIntN(64, entry.value as bigint),
    );
    expect(ints).toEqual([-1n, 3n]);
    expect(only(byName.get("axes") ?? [], 20)[0]?.value).toBe(7n);
  });

  it("keeps large tensors intact across chunk boundaries", () => {
    const large = Float32Array.from({ length: 10_000 }, (_, index) => index * 0.5 - 7);
    const bytes = encodeOnnxModel({
      inputs: [],
      nodes: [],
      outputs: [],
      initializers: [
        { name: "small", type: "int8", dims: [3], data: Int8Array.of(-1, 0, 1) },
        { name: "large", type: "float32", dims: [100, 100], data: large },
      ],
    });
    const graphFields = readFields(bytesOf(only(readFields(bytes), 7)[0]));
    const tensors = only(graphFields, 5).map((entry) => readFields(bytesOf(entry)));
    expect(Array.from(new Int8Array(bytesOf(only(tensors[0] ?? [], 9)[0]).slice().buffer))).toEqual(
      [-1, 0, 1],
    );
    const raw = bytesOf(only(tensors[1] ?? [], 9)[0]);
    expect(new Float32Array(raw.slice().buffer)).toEqual(large);
  });

  it("rejects a tensor whose data does not match its dims or type", () => {
    const withTensor = (tensor: NonNullable<OnnxGraph["initializers"]>[number]) => () =>
      encodeOnnxModel({ inputs: [], nodes: [], outputs: [], initializers: [tensor] });
    expect(
      withTensor({ name: "w", type: "float32", dims: [3], data: new Float32Array(2) }),
    ).toThrow(/"w" has 2 values; dims \[3\] need 3/);
    expect(withTensor({ name: "q", type: "int8", dims: [2], data: new Float32Array(2) })).toThrow(
      /not of type int8/,
    );
  });
});
