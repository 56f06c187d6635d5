import type { Logger } from "@tml/core";
import { describe, expect, it } from "vitest";
import { evalProgress } from "./eval-progress.js";

function recordingLogger(): { logger: Logger; lines: unknown[] } {
  const lines: unknown[] = [];
  const logger = { info: (message: string, fields: unknown) => lines.push([message, fields]) };
  return { logger: logger as unknown as Logger, lines };
}

describe("evalProgress (training.eval_log_every_n)", () => {
  it("logs each time the batch count reaches a new multiple of eval_log_every_n", () => {
    const { logger, lines } = recordingLogger();
    const progress = evalProgress(logger, 3, "evaluation progress", { step: 7 });
    for (let batches = 1; batches <= 10; batches++) progress(batches);
    expect(lines).toEqual([
      ["evaluation progress", { step: 7, batches: 3 }],
      ["evaluation progress", { step: 7, batches: 6 }],
      ["evaluation progress", { step: 7, batches: 9 }],
    ]);
  });

  it("logs once per multiple crossed when counts jump", () => {
    const { logger, lines } = recordingLogger();
    const progress = evalProgress(logger, 5, "p", {});
    for (const batches of [2, 12, 13, 16]) progress(batches);
    expect(lines).toEqual([
      ["p", { batches: 12 }],
      ["p", { batches: 16 }],
    ]);
  });
});
