// A Hogwild worker thread (started by `HogwildGroup`): builds the model and optimizers over the
// leader's shared tables and optimizer state, then per round trains its slice of the step's
// batch and updates the shared rows without locks.
import { workerData } from "node:worker_threads";
import { Rng } from "@tml/core";
import { loadPlatformBlas } from "@tml/engine";
import { type GroupWorkerData, SharedFloat32Arrays, serveRounds } from "@tml/training/parallel";
import { TwhinModel } from "../model/twhin-model.js";
import { ModelOptimizers } from "../optim/model-optimizers.js";
import { TwhinStep } from "../step/twhin-step.js";
import type { HogwildWorkerData } from "./hogwild.js";
import { HogwildSlots } from "./hogwild-slots.js";

const { group, rank, data } = workerData as GroupWorkerData<HogwildWorkerData>;
const arrays = SharedFloat32Arrays.attach(data.buffers);
const model = new TwhinModel(data.config.model, undefined, arrays.allocate);
const optimizers = new ModelOptimizers(model, data.config, arrays.allocate);
// Products on the platform BLAS in this thread (its pool is set to one thread while Hogwild
// runs), or on the SIMD kernels.
const blas = loadPlatformBlas(1);
const step = TwhinStep.create(model, data.config, {
  compiled: false,
  blas: blas.ok ? blas.blas : undefined,
});
const slots = HogwildSlots.attach(data.slots);

await serveRounds(group, rank, async () => {
  const { batch, seed, update } = slots.read(rank);
  if (batch.size === 0) {
    slots.setLoss(rank, 0);
    return;
  }
  const loss = await step.computeGradients(batch, new Rng(seed));
  slots.setLoss(rank, loss);
  if (!Number.isFinite(loss)) return;
  const { scale, floor } = slots.learningRateScale();
  optimizers.setLearningRateScale(scale, floor);
  optimizers.apply(step.buffers, step.kernels, update);
});
