import type { Rng } from "@tml/core";
import { type SharedFloat32Arrays, WorkerGroup } from "@tml/training/parallel";
import type { TwhinConfig } from "../config/twhin-config.js";
import type { EdgeBatch } from "../data/edge-batch.js";
import { HogwildSlots, type HogwildSlotsHandle } from "./hogwild-slots.js";

/** `workerData.data` of a Hogwild worker. */
export interface HogwildWorkerData {
  config: TwhinConfig;
  /** The shared state arrays, in the order the model then its optimizers allocate them. */
  buffers: readonly SharedArrayBuffer[];
  slots: HogwildSlotsHandle;
}

// Resolves from src/parallel (tests) and dist/parallel alike: workers run the built JavaScript.
const WORKER_SCRIPT = new URL("../../dist/parallel/hogwild-worker.js", import.meta.url);

/** What one Hogwild step returns: per-rank losses and slice sizes. */
export interface HogwildStepResult {
  losses: number[];
  sizes: number[];
}

/**
 * Hogwild training within one machine, as PyTorch-BigGraph does: `size - 1` worker threads and
 * the calling thread (rank 0) each train a slice of `per_replica_batch_size` edges of the step's
 * batch at the same time, reading and updating the shared tables, relation operators and
 * optimizer state without locks. A step ends when every rank has applied its update.
 */
export class HogwildGroup {
  readonly size: number;
  private readonly group: WorkerGroup;
  private readonly slots: HogwildSlots;
  private readonly perReplica: number;

  private constructor(config: TwhinConfig, arrays: SharedFloat32Arrays, size: number) {
    this.size = size;
    this.perReplica = config.train_data.per_replica_batch_size;
    this.slots = HogwildSlots.create(size, this.perReplica);
    const data: HogwildWorkerData = {
      config,
      buffers: arrays.buffers,
      slots: this.slots.handle,
    };
    this.group = WorkerGroup.start(WORKER_SCRIPT, size, () => data);
  }

  /** Starts `size - 1` workers over the state `arrays` recorded while building model and optimizers. */
  static start(config: TwhinConfig, arrays: SharedFloat32Arrays, size: number): HogwildGroup {
    return new HogwildGroup(config, arrays, size);
  }

  /**
   * Trains `batch` (up to size x per_replica_batch_size edges): rank r takes edges
   * [r·B, (r+1)·B) with negatives from a seed drawn from `rng`; rank 0's share runs in `own`
   * (which resolves to its loss) while the workers run theirs.
   */
  async step(
    batch: EdgeBatch,
    rng: Rng,
    update: number,
    own: (slice: EdgeBatch) => Promise<number>,
  ): Promise<HogwildStepResult> {
    const sizes: number[] = [];
    for (let rank = 0; rank < this.size; rank++) {
      const from = Math.min(batch.size, rank * this.perReplica);
      const to = Math.min(batch.size, from + this.perReplica);
      sizes.push(to - from);
      if (rank > 0) this.slots.write(rank, batch, from, to, rng.nextUint32(), update);
    }
    this.group.dispatch();
    let ownLoss: number;
    try {
      ownLoss =
        sizes[0]! === 0
          ? 0
          : await own({
              size: sizes[0]!,
              lhs: batch.lhs.subarray(0, sizes[0]!),
              rel: batch.rel.subarray(0, sizes[0]!),
              rhs: batch.rhs.subarray(0, sizes[0]!),
            });
    } finally {
      await this.group.wait();
    }
    const losses = [ownLoss];
    for (let rank = 1; rank < this.size; rank++) losses.push(this.slots.loss(rank));
    return { losses, sizes };
  }

  /** Scales the workers' learning rates from the next step (`ModelOptimizers.setLearningRateScale`). */
  setLearningRateScale(scale: number, floor: number): void {
    this.slots.setLearningRateScale(scale, floor);
  }

  /** Stops the workers. */
  close(): Promise<void> {
    return this.group.close();
  }
}
