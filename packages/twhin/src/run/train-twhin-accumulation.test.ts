import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfigFile, TmlError } from "@tml/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { twhinConfigSchema } from "../config/twhin-config.js";
import { writeEngagementGraph } from "../testing/generated-graph.js";
import { trainTwhin } from "./train-twhin.js";

const localYaml = fileURLToPath(new URL("../../configs/local.yaml", import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "twhin-accumulation-"));
  await writeEngagementGraph(join(dir, "graph"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// local.yaml on the generated graph (300 users, 200 Tweets), 3 micro-batches per update and a
// checkpoint every 8 steps: the one at step 8 falls mid-window (micro-batches 6 and 7 pending
// under `intended`; under `original` micro-batch 7's relation gradient, zeroed before it, waits
// for the step at 8).
function config(saveDir: string, parity: string, accumulation = 3, dataType = "fp32") {
  return loadConfigFile(twhinConfigSchema, localYaml, {
    overrides: [
      `train_data.data_root=${dir}/graph/edges/train/*.parquet`,
      "validation_data=null",
      `training.save_dir=${saveDir}`,
      "training.num_train_steps=20",
      "training.checkpoint_every_n=8",
      "training.train_log_every_n=10",
      `training.gradient_accumulation=${accumulation}`,
      `training.gradient_accumulation_parity=${parity}`,
      "model.embeddings.tables.0.num_embeddings=300",
      "model.embeddings.tables.1.num_embeddings=200",
      "train_data.per_replica_batch_size=50",
      `model.embeddings.tables.0.data_type=${dataType}`,
      `model.embeddings.tables.1.data_type=${dataType}`,
    ],
  });
}

describe("trainTwhin with gradient accumulation", () => {
  it.each([
    ["intended", "fp32"],
    ["original", "fp32"],
    ["intended", "bf16"],
  ])(
    "%s, %s tables: a resume from a checkpoint mid-window ends bit-identical to an uninterrupted run",
    async (parity, dataType) => {
      const straight = await trainTwhin({
        config: config(join(dir, `straight-${parity}-${dataType}`), parity, 3, dataType),
        device: "cpu",
        workers: 1,
      });
      const crashDir = join(dir, `crash-${parity}-${dataType}`);
      await expect(
        trainTwhin({
          config: config(crashDir, parity, 3, dataType),
          device: "cpu",
          workers: 1,
          callbacks: {
            onStep: (event) => {
              if (event.step === 12) throw new TmlError("INTERNAL", "simulated kill at step 12");
            },
          },
        }),
      ).rejects.toThrow(/simulated kill/);
      const resumed = await trainTwhin({
        config: config(crashDir, parity, 3, dataType),
        device: "cpu",
        workers: 1,
      });
      expect(resumed.step).toBe(20);
      resumed.model.tables.forEach((table, t) => {
        expect(table.stored).toEqual(straight.model.tables[t]!.stored);
      });
      expect(resumed.model.relationParams).toEqual(straight.model.relationParams);
      if (parity === "intended" && dataType === "fp32") {
        // A resume with another window size is refused, not silently mixed.
        await expect(
          trainTwhin({
            config: config(crashDir, parity, 2, dataType),
            device: "cpu",
            workers: 1,
            maxSteps: 24,
          }),
        ).rejects.toThrow(/gradient_accumulation 3 \(intended\).*gradient_accumulation 2/);
      }
    },
  );

  it("refuses several Hogwild workers with a ConfigError before reading data", async () => {
    const error = await trainTwhin({
      config: config(join(dir, "workers"), "intended"),
      device: "cpu",
      workers: 2,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toContain("--threads 1");
  });
});
