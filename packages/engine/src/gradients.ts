import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";
import { getGradient } from "@tensorflow/tfjs-core";
import { BackendError } from "@tml/core";

// tfjs-core ships its gradients only as per-file ES modules whose imports omit the ".js"
// extension ("./gradients/Abs_grad"); browsers' bundlers accept that, Node's ESM loader does not
// (ERR_MODULE_NOT_FOUND / ERR_UNSUPPORTED_DIR_IMPORT). This resolve hook retries such imports
// under tfjs-core's dist folder with ".js" appended and touches nothing else.
const HOOK_SOURCE = `
const TFJS_DIST = /[\\\\/]@tensorflow[\\\\/]tfjs-core[\\\\/]dist[\\\\/]/;
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const code = error && error.code;
    const fixable = code === "ERR_MODULE_NOT_FOUND" || code === "ERR_UNSUPPORTED_DIR_IMPORT";
    const inTfjs = specifier.startsWith(".")
      ? TFJS_DIST.test(context.parentURL ?? "")
      : specifier.startsWith("@tensorflow/tfjs-core/dist/");
    if (fixable && inTfjs && !/\\.[cm]?js$/.test(specifier)) {
      return nextResolve(specifier + ".js", context);
    }
    throw error;
  }
}`;

let hookInstalled = false;

/**
 * Lets Node's ESM loader import tfjs-core's per-file modules (`@tensorflow/tfjs-core/dist/…`),
 * which omit file extensions, by registering a resolve hook for the whole process: an application
 * calls it once at start-up, before `selectEngine` (the trainer and evaluator do; libraries never
 * do). The hook only retries failed imports under tfjs-core's dist folder with ".js" appended.
 * Not needed under bundlers or vitest, which resolve such imports themselves. Idempotent.
 */
export function installTfjsResolveHook(): void {
  if (hookInstalled) return;
  register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`);
  hookInstalled = true;
}

const UNRESOLVED = new Set(["ERR_MODULE_NOT_FOUND", "ERR_UNSUPPORTED_DIR_IMPORT"]);

/**
 * Registers tfjs's gradient functions (tfjs-core's node bundle ships none, so `tf.grad` fails
 * with "gradient function not found"). Does nothing when they are already registered; otherwise
 * imports tfjs-core's `register_all_gradients` module (~1–4 s: about a thousand small modules),
 * which plain Node resolves only after `installTfjsResolveHook()`. `selectEngine` calls it.
 */
export async function registerGradients(): Promise<void> {
  if (getGradient("Abs") !== undefined) return;
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@tensorflow/tfjs-core/dist/register_all_gradients.js");
  try {
    await import(pathToFileURL(entry).href);
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (typeof code !== "string" || !UNRESOLVED.has(code)) throw error;
    throw new BackendError(
      "tfjs's gradients could not load: Node cannot resolve tfjs-core's extensionless imports. Call installTfjsResolveHook() from @tml/engine once at application start-up, before selectEngine.",
      { cause: error },
    );
  }
}
