import { fileURLToPath } from "node:url";
import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { compileWasm } from "../../../../scripts/build-wasm.mjs";
import { adjustedScore, type CandidateAdjustment } from "./rank-accumulator.js";
import { RANK_COUNTS_BASE64 } from "./rank-count-bytes.js";
import { RankCounter } from "./rank-counter.js";

// The JS scan of RankAccumulator.addQuery: candidates above and equal to the truth.
function scan(
  row: ArrayLike<number>,
  width: number,
  truth: number,
  adjust: CandidateAdjustment | null,
) {
  let greater = 0;
  let equal = 0;
  for (let j = 0; j < width; j++) {
    const s = adjustedScore(row[j]!, adjust, j);
    if (s > truth) greater++;
    else if (s === truth) equal++;
  }
  return [greater, equal];
}

describe("RankCounter (WebAssembly SIMD) matches the JS scan", () => {
  it("the committed bytes are a fresh compile of wasm/rank-counts.ts", async () => {
    const source = fileURLToPath(new URL("../../wasm/rank-counts.ts", import.meta.url));
    const fresh = Buffer.from(await compileWasm(source)).toString("base64");
    expect(
      fresh,
      "regenerate src/eval/rank-count-bytes.ts: pnpm --filter @tml/twhin build:wasm",
    ).toBe(RANK_COUNTS_BASE64);
  }, 60_000);

  // Widths cover the 16-wide main loop, the 4-wide loop and the scalar tail; scores take few
  // values (many exact ties), some NaN; truths are scores of the row, NaN, or between values.
  for (const kind of [null, "cos", "l2"] as const) {
    for (const width of [1, 3, 4, 15, 16, 17, 37, 64]) {
      it(`${kind ?? "raw"} scores, width ${width}`, () => {
        const rng = new Rng(width * 7 + (kind?.length ?? 0));
        const queries = 6;
        const stride = width + 3;
        const counter = RankCounter.create(queries, stride)!;
        expect(counter).not.toBeNull();
        for (let i = 0; i < queries * stride; i++) {
          counter.scores[i] = rng.next() < 0.05 ? Number.NaN : (rng.int(9) - 4) / 4;
        }
        const values = Float32Array.from({ length: width }, () => (rng.int(5) + 1) / 8);
        const adjust = kind === null ? null : { kind, values };
        if (adjust) counter.adjust.set(values);
        const truths = [0, 1, 2, 3, 4, 5].map((i) => {
          const row = counter.scores.subarray(i * stride, i * stride + width);
          if (i === 4) return Number.NaN;
          if (i === 5) return 0.1875; // between the scores (float32: the raw kind's truths are)
          const j = rng.int(width);
          return adjustedScore(row[j]!, adjust, j);
        });
        counter.truths.set(truths);
        counter.reset(queries);
        counter.count(queries, width, stride, kind);
        counter.count(queries, width, stride, kind); // counts add up over chunks
        for (let i = 0; i < queries; i++) {
          const row = counter.scores.subarray(i * stride, i * stride + width);
          const [greater, equal] = scan(row, width, truths[i]!, adjust);
          expect([counter.greater[i], counter.equal[i]], `query ${i}`).toEqual([
            2 * greater!,
            2 * equal!,
          ]);
        }
      });
    }
  }
});
