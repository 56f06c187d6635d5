import { fileURLToPath } from "node:url";
import { unreadConfigKeys } from "@tml/core/testing";
import { describe, expect, it } from "vitest";
import { mainJobConfigSchema } from "./main-job-config.js";

const PIPELINE = "apps/trainer/src/pipeline";

/** Where each key of the main job's own sections is read. */
const MAIN_JOB_READERS = {
  seed: `${PIPELINE}/main-job.ts`,
  data: `${PIPELINE}/main-job.ts`,
  "data.users": `${PIPELINE}/main-job.ts`,
  "data.tweets": `${PIPELINE}/main-job.ts`,
  "data.edges": `${PIPELINE}/main-job.ts`,
  "data.communities": `${PIPELINE}/main-job.ts`,
  "data.ranker_rows": `${PIPELINE}/ranker-data-stage.ts`,
  "data.validation_rows": `${PIPELINE}/ranker-data-stage.ts`,
  "data.timeline_candidates": `${PIPELINE}/ranker-data-stage.ts`,
  "data.rates": `${PIPELINE}/ranker-data-stage.ts`,
  twhin: `${PIPELINE}/twhin-stage.ts`,
  heavy_ranker: `${PIPELINE}/main-job.ts`,
};

describe("main job config keys", () => {
  it("every key of the main job's sections is read (twhin.* and heavy_ranker.* are the models' walks)", () => {
    const root = fileURLToPath(new URL("../../../../", import.meta.url));
    expect(
      unreadConfigKeys({
        schema: mainJobConfigSchema,
        readers: MAIN_JOB_READERS,
        coveredElsewhere: ["twhin.", "heavy_ranker."],
        root,
      }),
    ).toEqual([]);
  });
});
