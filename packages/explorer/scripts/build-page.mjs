// Bundles the explorer page (src/page/main.ts with tfjs and its backends) into dist/page/ with
// esbuild, and copies index.html, the stylesheet and tfjs's wasm binaries beside it: the served
// page needs nothing from the network.
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "dist", "page");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, "src", "page", "main.ts")],
  outfile: join(out, "explorer.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
});
for (const file of ["index.html", "explorer.css"]) {
  copyFileSync(join(root, "src", "page", file), join(out, file));
}
const require = createRequire(import.meta.url);
const wasmDist = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
for (const file of readdirSync(join(wasmDist, "dist")).filter((name) => name.endsWith(".wasm"))) {
  copyFileSync(join(wasmDist, "dist", file), join(out, file));
}
