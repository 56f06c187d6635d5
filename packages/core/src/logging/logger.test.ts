import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

function capture(tty: boolean) {
  const lines: string[] = [];
  return { lines, sink: { isTTY: tty, write: (text: string) => lines.push(text) } };
}

describe("createLogger", () => {
  it("writes JSON lines when the sink is not a terminal", () => {
    const { lines, sink } = capture(false);
    createLogger({ name: "t", sink }).info("step done", { step: 3, loss: 0.5 });
    const record = JSON.parse(lines[0] as string);
    expect(record).toMatchObject({
      level: "info",
      name: "t",
      msg: "step done",
      step: 3,
      loss: 0.5,
    });
  });

  it("writes human lines on a terminal and filters by level", () => {
    const { lines, sink } = capture(true);
    const logger = createLogger({ name: "t", sink, level: "info" });
    logger.debug("hidden");
    logger.info("chosen backend", { backend: "wasm", reason: "no GPU" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/INFO {2}\[t\] chosen backend backend=wasm reason="no GPU"\n$/);
  });

  it("drops a warning identical to the previous line (the original's test)", () => {
    const { lines, sink } = capture(false);
    const logger = createLogger({ sink });
    logger.info("first info");
    logger.warn("first warning");
    logger.warn("first warning");
    logger.info("second info");
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual([
      "first info",
      "first warning",
      "second info",
    ]);
  });

  it("children share the sink and extend the name", () => {
    const { lines, sink } = capture(false);
    createLogger({ name: "trainer", sink }).child("twhin").error("boom");
    expect(JSON.parse(lines[0] as string)).toMatchObject({ name: "trainer:twhin", level: "error" });
  });
});
