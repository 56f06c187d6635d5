import type { CliIo } from "@tml/cli-kit";
import { configToYaml, type TrainingCallbacks, writeFileAtomic } from "@tml/core";
import {
  metricsLogCallbacks,
  type PreparedRun,
  prepareRunDirectory,
  progressCallbacks,
  TensorBoardWriter,
  tensorBoardCallbacks,
  truncateMetricsLog,
} from "@tml/reports";
import { latestCheckpoint } from "@tml/training";

/** A prepared run directory and the callbacks that fill it while training. */
export interface RunOutputs {
  run: PreparedRun;
  callbacks: TrainingCallbacks[];
}

/**
 * Prepares `<out>` for a training run (fresh, or resumed with `resume`), writes the resolved
 * config, trims `metrics.jsonl` back to the checkpoint a resumed run continues from, and returns
 * the progress, metrics-log and TensorBoard callbacks (`<out>/events/<label>`).
 */
export async function startRunOutputs(options: {
  kind: string;
  label: string;
  out: string;
  resume: boolean;
  config: unknown;
  totalSteps: number;
  io: CliIo;
  /** Where the training loop saves checkpoints (default `<out>/checkpoints`). */
  checkpointsDir?: string;
}): Promise<RunOutputs> {
  const run = prepareRunDirectory(options.out, { kind: options.kind, resume: options.resume });
  writeFileAtomic(run.configFile, configToYaml(options.config));
  if (run.resumed) {
    const latest = await latestCheckpoint(options.checkpointsDir ?? run.checkpointsDir);
    truncateMetricsLog(run.metricsFile, latest?.step ?? 0);
  }
  return { run, callbacks: trainingCallbacks(run, options.label, options.totalSteps, options.io) };
}

/** Progress display, `metrics.jsonl` and TensorBoard callbacks for one training stage. */
export function trainingCallbacks(
  run: PreparedRun,
  label: string,
  totalSteps: number,
  io: CliIo,
  metricsFile = run.metricsFile,
): TrainingCallbacks[] {
  return [
    progressCallbacks({
      label,
      totalSteps,
      stream: {
        write: (text) => io.stderr(text),
        isTTY: io.isTTY === true,
        ...(io.columns ? { columns: io.columns } : {}),
      },
    }),
    metricsLogCallbacks(metricsFile),
    tensorBoardCallbacks(new TensorBoardWriter(`${run.eventsDir}/${label}`)),
  ];
}
