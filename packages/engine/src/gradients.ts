import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";
import { getGradient } from "@tensorflow/tfjs-core";

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
 * which omit file extensions. Modules imported after this call may then use
 * `import "@tensorflow/tfjs-core/dist/register_all_gradients"`. Idempotent.
 */
export function installTfjsResolveHook(): void {
  if (hookInstalled) return;
  register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`);
  hookInstalled = true;
}

/**
 * Registers tfjs's gradient functions (tfjs-core's node bundle ships none, so `tf.grad` fails
 * with "gradient function not found"). Does nothing when they are already registered; otherwise
 * imports tfjs-core's `register_all_gradients` module through the resolve hook (~1–4 s: about a
 * thousand small modules). `selectEngine` calls it.
 */
export async function registerGradients(): Promise<void> {
  if (getGradient("Abs") !== undefined) return;
  installTfjsResolveHook();
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@tensorflow/tfjs-core/dist/register_all_gradients.js");
  await import(pathToFileURL(entry).href);
}
