import { describe, expect, it } from "vitest";
import { evalSignal } from "./eval-signal.js";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("evalSignal", () => {
  it("fires on timeout, on the parent's abort, and not after release", async () => {
    const timed = evalSignal(0.02);
    expect(timed.signal.aborted).toBe(false);
    await wait(60);
    expect(timed.signal.aborted).toBe(true);
    timed.release();

    const parent = new AbortController();
    const linked = evalSignal(60, parent.signal);
    parent.abort();
    expect(linked.signal.aborted).toBe(true);
    linked.release();

    const released = evalSignal(0.02, parent.signal);
    expect(released.signal.aborted).toBe(true); // parent already aborted
    const calm = evalSignal(0.02);
    calm.release();
    await wait(60);
    expect(calm.signal.aborted).toBe(false);
  });
});
