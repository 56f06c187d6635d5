import { copyFileSync, mkdirSync, mkdtempSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { configToYaml, createLogger, writeFileAtomic } from "@tml/core";
import { writeRankerData } from "@tml/data-io";
import { loadRecapConfig, type RecapConfig, trainHeavyRanker } from "@tml/heavy-ranker";
import { metricsLogCallbacks, prepareRunDirectory } from "@tml/reports";

/** The tiny feature layout of tiny-heavy-ranker.yaml. */
export const TINY_LAYOUT = { continuous: 8, binary: 4, discrete: 2, embedding: 4 };

/** The fixtures directory: tiny-heavy-ranker.yaml and tiny-twhin.yaml. */
export const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));

/**
 * Writes 512 planted ranker rows with the tiny layout: `train/` (256 rows, segdense.json) and
 * `validation/` (256 rows) from one stream, so they share the hidden model. Returns the directory.
 */
export async function writeTinyRankerData(seed = 3, layout = TINY_LAYOUT): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "tml-tiny-ranker-"));
  const all = join(dir, "all");
  const report = await writeRankerData(all, {
    seed,
    rows: 512,
    shardRows: 256,
    layout,
    users: 64,
    authors: 16,
    calibrationRows: 2000,
    informativeContinuous: 4,
    informativeBinary: 2,
    interactions: 2,
    rates: { "recap.engagement.is_favorited": 0.3, "recap.engagement.is_replied": 0.2 },
  });
  for (const [index, split] of ["train", "validation"].entries()) {
    mkdirSync(join(dir, split));
    const file = report.files[index]?.path as string;
    renameSync(join(all, file), join(dir, split, file));
  }
  copyFileSync(join(all, "segdense.json"), join(dir, "train", "segdense.json"));
  return dir;
}

/**
 * A trained tiny Heavy Ranker in a trainer-style run directory (run.json, config.yaml,
 * metrics.jsonl, checkpoints/, model.safetensors), as `trainer heavy-ranker` leaves it. `edit`
 * changes the config of tiny-heavy-ranker.yaml first (another backbone, say).
 */
export async function trainTinyRun(
  dataDir: string,
  out: string,
  steps = 12,
  edit: (config: RecapConfig) => RecapConfig = (config) => config,
): Promise<string> {
  process.env.TML_TINY_DATA = dataDir;
  const config = edit(loadRecapConfig(join(FIXTURES, "tiny-heavy-ranker.yaml")));
  const run = prepareRunDirectory(out, { kind: "heavy-ranker", resume: false });
  writeFileAtomic(run.configFile, configToYaml(config));
  await trainHeavyRanker({
    config,
    outDir: run.root,
    device: "cpu",
    maxSteps: steps,
    evalEveryN: 4,
    logger: createLogger({ level: "silent" }),
    callbacks: metricsLogCallbacks(run.metricsFile),
  });
  return run.root;
}

/**
 * A `trainTinyRun` edit: the tiny config with a DCN-v2 backbone (poly degree 2, parallel) instead
 * of its MaskNet, a model that neither the ONNX compiler nor the tfjs graph export covers.
 */
export function withDcnBackbone(config: RecapConfig): RecapConfig {
  return {
    ...config,
    model: {
      ...config.model,
      backbone: {
        ...(config.model.backbone as object),
        mask_net_config: null,
        dcn_config: {
          poly_degree: 2,
          projection_dim: null,
          parallel_mlp: null,
          use_parallel: true,
          output_mlp: null,
        },
      },
    } as typeof config.model,
  };
}
