import { describe, expect, it } from "vitest";
import { capture } from "./testing/capture-io.js";
import { workProgress } from "./work-progress.js";

describe("workProgress", () => {
  it("logs one plain line per tenth of the work off a terminal, with rate and ETA", () => {
    const cli = capture();
    let clock = 0;
    const progress = workProgress(cli.io, { label: "eval", unit: "queries", now: () => clock });
    for (let done = 100; done <= 1000; done += 50) {
      clock += 1000;
      progress(done, 1000);
    }
    const lines = cli.err().trim().split("\n");
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe("eval 100/1000 10% eta 0:09 | queries/s 100.0");
    expect(lines.at(-1)).toMatch(/^eval 1000\/1000 100% eta 0:00/);
  });

  it("redraws one line in place on a terminal and ends it when done", () => {
    const cli = capture();
    cli.io.isTTY = true;
    let clock = 0;
    const progress = workProgress(cli.io, { label: "eval", unit: "queries", now: () => clock });
    progress(1, 4);
    progress(2, 4); // within 200 ms: not drawn
    clock = 500;
    progress(4, 4);
    const text = cli.err();
    expect(text.split("\r")).toHaveLength(3);
    expect(text.endsWith("\n")).toBe(true);
    expect(text).toContain("[########################] 4/4 100%");
  });
});
