import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger } from "@tml/core";
import { setupTestBackend } from "@tml/core/testing";
import { writeRankerData } from "@tml/data-io";
import { it } from "vitest";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { evaluateHeavyRanker } from "./evaluate-heavy-ranker.js";
import { trainHeavyRanker } from "./train-heavy-ranker.js";

it("local_small end to end", async () => {
  await setupTestBackend();
  const root = mkdtempSync(join(tmpdir(), "small-"));
  let t = performance.now();
  await writeRankerData(join(root, "tmp/recap_local_small/train"), {
    rows: 8192,
    seed: 1,
    rates: {
      "recap.engagement.is_favorited": 0.2,
      "recap.engagement.is_video_playback_50": 0.1,
      "recap.engagement.is_good_clicked_convo_desc_v2": 0.1,
      "recap.engagement.is_negative_feedback_v2": 0.05,
    },
  });
  await writeRankerData(join(root, "tmp/recap_local_small/validation"), {
    rows: 2048,
    seed: 2,
    rates: {
      "recap.engagement.is_favorited": 0.2,
      "recap.engagement.is_video_playback_50": 0.1,
      "recap.engagement.is_good_clicked_convo_desc_v2": 0.1,
      "recap.engagement.is_negative_feedback_v2": 0.05,
    },
  });
  console.log("data s", (performance.now() - t) / 1000);
  const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
  const config = loadRecapConfig(`${configs}local_small.yaml`, { env: { HOME: root } });
  t = performance.now();
  const out = join(root, "run");
  const result = await trainHeavyRanker({
    config,
    outDir: out,
    device: "cpu",
    logger: createLogger({ name: "t", level: "warn" }),
  });
  console.log("train s", (performance.now() - t) / 1000, "steps", result.step);
  t = performance.now();
  const evaluation = await evaluateHeavyRanker({
    config,
    checkpoint: join(out, "checkpoints"),
    device: "cpu",
    maxSteps: -1,
    logger: createLogger({ name: "t", level: "warn" }),
  });
  console.log("eval s", (performance.now() - t) / 1000, JSON.stringify(evaluation).slice(0, 1500));
}, 600_000);
