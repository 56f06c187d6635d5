/** An AbortSignal for one evaluation and the function that releases its timer and listener. */
export interface EvalSignal {
  signal: AbortSignal;
  release: () => void;
}

/**
 * A signal that fires after `timeoutSeconds` or when `parent` aborts, whichever comes first
 * (AbortSignal.any needs Node ≥ 20.3). Call `release` when the evaluation ends.
 */
export function evalSignal(timeoutSeconds: number, parent?: AbortSignal): EvalSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timer = setTimeout(abort, timeoutSeconds * 1000);
  if (parent?.aborted) controller.abort();
  parent?.addEventListener("abort", abort, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      parent?.removeEventListener("abort", abort);
    },
  };
}
