import { DataError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { SharedMemoryCollective } from "./collective.js";
import { heapFloat32, SharedFloat32Arrays } from "./shared-arrays.js";
import { WorkerGroup } from "./worker-group.js";

const script = new URL("./__fixtures__/sum-worker.mjs", import.meta.url);

function startGroup(size: number) {
  const collective = SharedMemoryCollective.create(size, 5);
  const shared = new Float32Array(new SharedArrayBuffer(size * 5 * 4));
  const command = new Int32Array(new SharedArrayBuffer(4));
  const group = WorkerGroup.start(script, size, () => ({
    collective: collective.handle,
    shared: shared.buffer,
    command: command.buffer,
  }));
  return { collective, shared, command, group };
}

describe("shared-memory collective and worker group", () => {
  it("sums in rank order on every thread, round after round", async () => {
    const { collective, shared, group } = startGroup(3);
    try {
      for (let round = 0; round < 20; round++) {
        group.dispatch();
        const mine = Float32Array.from({ length: 5 }, (_, i) => i + 1);
        collective.allReduceSum(mine);
        await group.wait();
        // (1 + 2 + 3) * (i + 1) on every rank.
        expect([...mine]).toEqual([6, 12, 18, 24, 30]);
        for (let rank = 1; rank < 3; rank++)
          expect([...shared.subarray(rank * 5, rank * 5 + 5)]).toEqual([6, 12, 18, 24, 30]);
        shared.fill(0);
      }
    } finally {
      await group.close();
    }
  });

  it("reports a worker's TmlError with its class and details, and serves on", async () => {
    const { collective, command, group } = startGroup(2);
    try {
      command[0] = 1;
      group.dispatch();
      const error = await group.wait().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).message).toBe("bad row in worker 1");
      expect((error as DataError).details).toEqual({ row: 7, worker: 1 });
      command[0] = 0;
      group.dispatch();
      const mine = new Float32Array(5).fill(1);
      collective.allReduceSum(mine);
      await group.wait();
      expect([...mine]).toEqual([3, 5, 7, 9, 11]);
    } finally {
      await group.close();
    }
  });

  it("rejects instead of hanging when a worker dies", async () => {
    const { command, group } = startGroup(2);
    try {
      command[0] = 2;
      group.dispatch();
      await expect(group.wait()).rejects.toThrow(/Worker 1 exited \(code 3\)/);
    } finally {
      await group.close();
    }
  });

  it("refuses a reduction larger than its capacity", () => {
    expect(() => SharedMemoryCollective.create(2, 4).allReduceSum(new Float32Array(5))).toThrow(
      /capacity of 4/,
    );
  });
});

describe("state allocators", () => {
  it("replays shared arrays in allocation order without refilling them", () => {
    const recorder = SharedFloat32Arrays.create();
    const table = recorder.allocate(6, 0.5);
    const slots = recorder.allocate(3);
    table[2] = 9;
    const replay = SharedFloat32Arrays.attach(recorder.buffers);
    const sameTable = replay.allocate(6, 0.5);
    expect([...sameTable]).toEqual([0.5, 0.5, 9, 0.5, 0.5, 0.5]);
    sameTable[0] = -1;
    expect(table[0]).toBe(-1);
    expect(replay.allocate(3).buffer).toBe(slots.buffer);
    expect(() => replay.allocate(1)).toThrow(/missing/);
    expect(() => SharedFloat32Arrays.attach(recorder.buffers).allocate(5)).toThrow(/6 floats/);
    expect([...heapFloat32(3, 2)]).toEqual([2, 2, 2]);
  });
});
