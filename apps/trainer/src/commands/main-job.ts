import { booleanFlag, type CliIo, optionalString, parseFlags } from "@tml/cli-kit";
import { runMainJob } from "../pipeline/main-job.js";
import { COMMON_FLAGS, COMMON_HELP, commonOptions, libraryLogLevel } from "./common.js";

/** Help of the main job (part of `trainer --help`). */
export const MAIN_JOB_HELP = `The main job (no command): on an embedded default config, with no data and no GPU, in about two
minutes on two CPU cores: generate a graph and ranker data with planted signal, train TwHIN, export
its embeddings, train the Heavy Ranker with them as user/author features, evaluate both, rank a
sample timeline with the published serving weights, and write report/report.html.

  --config FILE          a main-job YAML (seed, data, twhin, heavy_ranker) instead of the default
  --deterministic        train TwHIN on one thread: bit-identical reruns (default: Hogwild
                         workers on every thread, as --threads says)
${COMMON_HELP}

Default --out: runs/main. Example: trainer --set data.users=5000 --set twhin.training.num_train_steps=2000`;

/** `trainer [flags]`: the main job. */
export async function mainJobCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const command = "trainer";
  const flags = parseFlags(command, argv, {
    ...COMMON_FLAGS,
    config: { type: "string" },
    deterministic: { type: "boolean" },
  });
  if (flags.values.help === true) {
    io.stdout(`${MAIN_JOB_HELP}\n`);
    return 0;
  }
  const options = commonOptions(command, flags);
  const configFile = optionalString(flags, "config");
  const result = await runMainJob({
    out: options.out ?? "runs/main",
    overrides: options.overrides,
    device: options.device,
    resume: options.resume,
    deterministic: booleanFlag(flags, "deterministic"),
    logLevel: libraryLogLevel(options),
    io,
    ...(configFile ? { configFile } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
  });
  return result.status === "aborted" ? 130 : 0;
}
