import { afterAll, describe, expect, it } from "vitest";
import { loadOrtRuntime } from "./ort-runtime.js";

const loaded = loadOrtRuntime(1);
const runtime = loaded.ok ? loaded.runtime : undefined;
afterAll(() => runtime?.dispose());

describe.skipIf(!runtime)("OrtRuntime.load (onnxruntime-node present)", () => {
  const ort = runtime as NonNullable<typeof runtime>;

  it("runs a model with float32 initializers at any batch size", () => {
    // y = x · W + b with W = [[1, 2], [3, 4]] (in x out), b = [0.5, -1].
    const session = ort.load({
      inputs: [{ name: "x", shape: ["batch", 2] }],
      nodes: [
        { opType: "MatMul", inputs: ["x", "w"], outputs: ["product"] },
        { opType: "Add", inputs: ["product", "b"], outputs: ["y"] },
      ],
      outputs: [{ name: "y", shape: ["batch", 2] }],
      initializers: [
        { name: "w", type: "float32", dims: [2, 2], data: Float32Array.of(1, 2, 3, 4) },
        { name: "b", type: "float32", dims: [2], data: Float32Array.of(0.5, -1) },
      ],
    });
    const one = new Float32Array(2);
    session.run(
      { x: { data: Float32Array.of(1, 1), shape: [1, 2] } },
      { y: { data: one, shape: [1, 2] } },
    );
    expect(Array.from(one)).toEqual([4.5, 5]);
    const three = new Float32Array(6);
    session.run(
      { x: { data: Float32Array.of(1, 0, 0, 1, -2, 0.5), shape: [3, 2] } },
      { y: { data: three, shape: [3, 2] } },
    );
    expect(Array.from(three)).toEqual([1.5, 1, 3.5, 3, 0, -3]);
    session.dispose();
    session.dispose();
    expect(() => session.run({}, {})).toThrow(/after dispose/);
  });

  it("reads and writes arrays over a SharedArrayBuffer (tables of Hogwild workers)", () => {
    const graph = {
      inputs: [
        { name: "a", shape: ["n", 2] },
        { name: "b", shape: [2, 2] },
      ],
      nodes: [{ opType: "MatMul", inputs: ["a", "b"], outputs: ["y"] }],
      outputs: [{ name: "y", shape: ["n", 2] }],
    };
    const shared = (values: number[]) => {
      const array = new Float32Array(new SharedArrayBuffer(values.length * 4));
      array.set(values);
      return array;
    };
    const y = shared([0, 0, 0, 0, 9]);
    ort.run(
      "shared-matmul",
      () => graph,
      {
        a: { data: shared([1, 2, 3, 4]), shape: [2, 2] },
        b: { data: shared([1, 0, 0, 2]), shape: [2, 2] },
      },
      { y: { data: y.subarray(0, 4), shape: [2, 2] } },
    );
    expect(Array.from(y)).toEqual([1, 4, 3, 8, 9]);
  });

  it("reads int32 inputs (row lookup with Gather)", () => {
    const session = ort.load({
      inputs: [{ name: "ids", shape: ["batch"], type: "int32" }],
      nodes: [{ opType: "Gather", inputs: ["table", "ids"], outputs: ["rows"] }],
      outputs: [{ name: "rows", shape: ["batch", 2] }],
      initializers: [
        {
          name: "table",
          type: "float32",
          dims: [3, 2],
          data: Float32Array.of(0, 1, 10, 11, 20, 21),
        },
      ],
    });
    const rows = new Float32Array(6);
    session.run(
      { ids: { data: Int32Array.of(2, 0, 1), shape: [3] } },
      { rows: { data: rows, shape: [3, 2] } },
    );
    expect(Array.from(rows)).toEqual([20, 21, 0, 1, 10, 11]);
    session.dispose();
  });

  it("runs int8 weights per output channel through DynamicQuantizeMatMul", () => {
    // x = [0, 255] quantises exactly (scale 1, zero point 0); W = q · scale per column:
    // q = [[1, -2], [3, 4]], scale = [0.5, 0.25] → W = [[0.5, -0.5], [1.5, 1]];
    // y = x · W + b = [382.5, 255] + [1, 2].
    const session = ort.load({
      inputs: [{ name: "x", shape: ["batch", 2] }],
      nodes: [
        {
          opType: "DynamicQuantizeMatMul",
          domain: "com.microsoft",
          inputs: ["x", "q", "scale", "", "b"],
          outputs: ["y"],
        },
      ],
      outputs: [{ name: "y", shape: ["batch", 2] }],
      initializers: [
        { name: "q", type: "int8", dims: [2, 2], data: Int8Array.of(1, -2, 3, 4) },
        { name: "scale", type: "float32", dims: [2], data: Float32Array.of(0.5, 0.25) },
        { name: "b", type: "float32", dims: [2], data: Float32Array.of(1, 2) },
      ],
    });
    const y = new Float32Array(2);
    session.run(
      { x: { data: Float32Array.of(0, 255), shape: [1, 2] } },
      { y: { data: y, shape: [1, 2] } },
    );
    expect(Array.from(y)).toEqual([383.5, 257]);
    session.dispose();
  });

  it("throws onnxruntime's error for an op it cannot run", () => {
    expect(() =>
      ort.load({
        inputs: [{ name: "x", shape: [1] }],
        nodes: [{ opType: "NoSuchOp", inputs: ["x"], outputs: ["y"] }],
        outputs: [{ name: "y", shape: [1] }],
      }),
    ).toThrow(/NoSuchOp/);
  });

  it("keeps the cached kernel sessions of run() working beside loaded models", () => {
    const output = new Float32Array(2);
    ort.run(
      "relu-2",
      () => ({
        inputs: [{ name: "x", shape: [2] }],
        nodes: [{ opType: "Relu", inputs: ["x"], outputs: ["y"] }],
        outputs: [{ name: "y", shape: [2] }],
      }),
      { x: { data: Float32Array.of(-3, 3), shape: [2] } },
      { y: { data: output, shape: [2] } },
    );
    expect(Array.from(output)).toEqual([0, 3]);
  });
});
