import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { CheckpointError } from "@tml/core";
import { readSafetensors } from "@tml/data-io";
import { setupTestBackend } from "@tml/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { buildRankingModel } from "../model/build-model.js";
import type { MultiTaskRankingModel } from "../model/ranking-model.js";
import { loadSafetensors, saveSafetensors, servableKey } from "./state-dict.js";

const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
const FAV = "recap__engagement__is_favorited";
const NEG = "recap__engagement__is_negative_feedback_v2";

/** Known value of element `index` of the `key`-th tensor. */
const known = (tensor: number, index: number) => ((tensor * 7919 + index * 31) % 1000) / 1000 - 0.5;

/**
 * A state_dict written by hand as the original's training wrapper would name it (`model.` prefix),
 * every float tensor F32 with known values and every integer buffer I64.
 */
function handStateDict(shapes: [string, number[], "F32" | "I64"][]): Uint8Array {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  shapes.forEach(([name, shape, dtype], tensor) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const bytes = new Uint8Array(count * (dtype === "F32" ? 4 : 8));
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < count; i++) {
      if (dtype === "F32") view.setFloat32(i * 4, known(tensor, i), true);
      else view.setBigInt64(i * 8, BigInt(tensor + 3), true);
    }
    header[`model.${name}`] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let position = 8 + json.length;
  for (const chunk of chunks) {
    out.set(chunk, position);
    position += chunk.length;
  }
  return out;
}

describe("state_dict import/export", () => {
  let model: MultiTaskRankingModel;
  const dir = mkdtempSync(join(tmpdir(), "state-dict-"));
  beforeAll(async () => {
    await setupTestBackend();
    const config = loadRecapConfig(`${configs}local_small.yaml`, { env: { HOME: "/h" } });
    model = buildRankingModel(config, { continuousWidth: 512, binaryWidth: 59 }, 3);
  });
  afterAll(() => model.dispose());

  it("names tensors with the original's key patterns", () => {
    const keys = [...model.namedWeights().keys()];
    expect(keys).toContain("_preprocessor._before_concat_layers.2.layer.running_mean");
    expect(keys).toContain("_preprocessor._before_concat_layers.3.max_value");
    expect(keys).toContain("_preprocessor.layer_norm.layer.weight");
    expect(keys).toContain("_user_eng_embedding_layer_norm.bias");
    expect(keys).toContain("_backbone._mask_blocks.1._mask_layer.2.weight");
    expect(keys).toContain("_backbone._dense_layers.layers.0.weight");
    expect(keys).toContain(`_towers.${FAV}.layers.3.weight`);
    expect(keys).toContain(`_towers.${NEG}.layers.4.weight`);
    expect(keys).toContain(`_calibrators.${FAV}.ratio`);
    expect(
      model.namedWeights().get("_backbone._mask_blocks.1._mask_layer.2.weight")?.shape,
    ).toEqual([1171, 32]);
  });

  it("loads a hand-written file: every tensor lands under its name", () => {
    const entries = [...model.namedWeights()].map(
      ([name, variable]) =>
        [name, variable.shape, variable.dtype === "int32" ? "I64" : "F32"] as [
          string,
          number[],
          "F32" | "I64",
        ],
    );
    const path = join(dir, "hand.safetensors");
    writeFileSync(path, handStateDict(entries));
    const report = loadSafetensors(model, path);
    expect(report.loaded).toHaveLength(entries.length);
    entries.forEach(([name, , dtype], tensor) => {
      const values = model.namedWeights().get(name)?.dataSync() ?? [];
      if (dtype === "I64") {
        expect([...values]).toEqual([tensor + 3]);
      } else {
        expect(values.length).toBeGreaterThan(0);
        let worst = 0;
        for (let index = 0; index < values.length; index++) {
          worst = Math.max(worst, Math.abs((values[index] as number) - known(tensor, index)));
        }
        expect(worst, name).toBeLessThan(1e-6);
      }
    });
  });

  it("round-trips: export → file → import gives identical bytes", async () => {
    const first = join(dir, "first.safetensors");
    await saveSafetensors(model, first);
    const file = readSafetensors(readFileSync(first));
    expect(file.tensors.get(`_towers.${FAV}.layers.1.num_batches_tracked`)?.dtype).toBe("I64");
    expect(file.tensors.get(`_calibrators.${FAV}.ratio`)?.shape).toEqual([]);
    expect([...file.tensors.keys()][0]).toBe("_preprocessor._before_concat_layers.2.layer.weight");
    const before = tf.memory().numTensors;
    loadSafetensors(model, first);
    expect(tf.memory().numTensors).toBe(before);
    const second = join(dir, "second.safetensors");
    await saveSafetensors(model, second);
    expect(readFileSync(second).equals(readFileSync(first))).toBe(true);
  });

  it("stores floats as F16 / BF16 on request, within their precision", async () => {
    const key = "_backbone._mask_blocks.0._mask_layer.0.weight";
    for (const [storage, tolerance] of [
      ["F16", 2 ** -11],
      ["BF16", 2 ** -8],
    ] as const) {
      const original = Float32Array.from(model.namedWeights().get(key)?.dataSync() ?? []);
      const path = join(dir, `${storage}.safetensors`);
      await saveSafetensors(model, path, { storage });
      const file = readSafetensors(readFileSync(path));
      expect(file.tensors.get(key)?.dtype).toBe(storage);
      expect(file.tensors.get(`_towers.${FAV}.layers.1.num_batches_tracked`)?.dtype).toBe("I64");
      loadSafetensors(model, path);
      const loaded = model.namedWeights().get(key)?.dataSync() ?? [];
      let worst = 0;
      original.forEach((value, index) => {
        worst = Math.max(
          worst,
          Math.abs((loaded[index] as number) - value) / Math.max(Math.abs(value), 2 ** -14),
        );
      });
      expect(worst, storage).toBeLessThanOrEqual(tolerance);
      expect(worst, storage).toBeGreaterThan(0);
    }
  });

  it("reports mismatched keys and shapes", () => {
    const path = join(dir, "partial.safetensors");
    writeFileSync(
      path,
      handStateDict([
        [`_calibrators.${FAV}.ratio`, [], "F32"],
        ["extra.weight", [2], "F32"],
      ]),
    );
    expect(() => loadSafetensors(model, path)).toThrow(CheckpointError);
    writeFileSync(join(dir, "garbage.safetensors"), Uint8Array.from([1, 2, 3]));
    expect(() => loadSafetensors(model, join(dir, "garbage.safetensors"))).toThrow(CheckpointError);
    const report = loadSafetensors(model, path, { strict: false });
    expect(report.loaded).toEqual([`_calibrators.${FAV}.ratio`]);
    expect(report.unexpected).toEqual(["extra.weight"]);
    writeFileSync(path, handStateDict([[`_calibrators.${FAV}.ratio`, [1], "F32"]]));
    expect(() => loadSafetensors(model, path, { strict: false })).toThrow(/shape \[1\]/);
  });

  it("strips wrapper prefixes", () => {
    expect(servableKey("model._backbone.x")).toBe("_backbone.x");
    expect(servableKey("module._dmp_wrapped_module.model._towers.a")).toBe("_towers.a");
    expect(servableKey("_towers.model.x")).toBe("_towers.model.x");
  });
});
