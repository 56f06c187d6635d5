import type { Logger } from "@tml/core";

/**
 * The `progress` callback of an `EvalContext`: logs `message` with the batches done (and `fields`)
 * each time the count reaches a new multiple of `everyN` (`training.eval_log_every_n`), so a long
 * evaluation shows it is alive. Counts may jump (a task reporting blocks of batches).
 */
export function evalProgress(
  logger: Logger | undefined,
  everyN: number,
  message: string,
  fields: Record<string, unknown>,
): (batches: number) => void {
  let logged = 0;
  return (batches) => {
    const reached = Math.floor(batches / everyN);
    if (reached <= logged) return;
    logged = reached;
    logger?.info(message, { ...fields, batches });
  };
}
