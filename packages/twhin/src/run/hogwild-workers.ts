import type { TwhinConfig } from "../config/twhin-config.js";

/**
 * The Hogwild workers a TwHIN config trains with, given the threads the user allows (`threads`)
 * and whether one thread was asked for (`deterministic`). 1vsAll (`global_negatives: all`) trains
 * on one worker: every step updates every row of the ranked tables, so concurrent workers would
 * overwrite each other's updates on every row (Hogwild assumes sparse updates; on FB15k-237 two
 * workers trailed one in validation MRR epoch for epoch), and the step's products (batch x every
 * row) are large enough for the platform BLAS to use every thread.
 */
export function hogwildWorkers(
  config: TwhinConfig,
  threads: number,
  deterministic: boolean,
): { workers: number; reason: string } {
  if (deterministic) return { workers: 1, reason: "--deterministic" };
  if (config.train_data.global_negatives === "all") {
    return {
      workers: 1,
      reason: `1vsAll updates every row each step; its products use the BLAS on ${threads} thread${threads === 1 ? "" : "s"}`,
    };
  }
  return { workers: threads, reason: "one worker per thread" };
}
