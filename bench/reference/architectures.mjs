// Writes the PyTorch reference's Heavy Ranker architectures (local_prod, local_small) as JSON,
// from @tml/heavy-ranker's own configs (torchReferenceArchitecture), for recap_bench.py.
// Usage: node bench/reference/architectures.mjs OUT.json
import { renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CONFIGS = fileURLToPath(new URL("../configs/", import.meta.resolve("@tml/heavy-ranker")));

/** `{ local_prod, local_small }`: the architectures recap_reference.py's RankingModel takes. */
export async function referenceArchitectures() {
  const { loadRecapConfig } = await import("@tml/heavy-ranker");
  const { torchReferenceArchitecture } = await import("@tml/heavy-ranker/testing");
  const load = (name) => loadRecapConfig(`${CONFIGS}${name}.yaml`, { env: { HOME: "/tmp" } });
  return {
    local_prod: torchReferenceArchitecture(load("local_prod")),
    local_small: torchReferenceArchitecture(load("local_small")),
  };
}

/** Writes them to `path` (through a temporary file). */
export async function writeReferenceArchitectures(path) {
  writeFileSync(`${path}.tmp`, JSON.stringify(await referenceArchitectures(), null, 2));
  renameSync(`${path}.tmp`, path);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: node bench/reference/architectures.mjs OUT.json");
    process.exit(2);
  }
  await writeReferenceArchitectures(out);
}
