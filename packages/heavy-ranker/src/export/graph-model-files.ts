import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { NotFoundError, writeFileAtomic } from "@tml/core";

const MODEL_JSON = "model.json";
const WEIGHTS_BIN = "weights.bin";

/**
 * Writes model artifacts as `model.json` + `weights.bin` in `directory` (the layout
 * `tf.loadGraphModel(url)` / `tf.loadLayersModel(url)` fetch); each file is written to a temp name
 * and renamed, weights first.
 */
export function saveModelArtifacts(artifacts: tf.io.ModelArtifacts, directory: string): void {
  mkdirSync(directory, { recursive: true });
  const weightData = artifacts.weightData
    ? tf.io.CompositeArrayBuffer.join(artifacts.weightData)
    : new ArrayBuffer(0);
  writeFileAtomic(join(directory, WEIGHTS_BIN), new Uint8Array(weightData));
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format as string,
    generatedBy: artifacts.generatedBy as string,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.signature ? { signature: artifacts.signature } : {}),
    ...(artifacts.userDefinedMetadata
      ? { userDefinedMetadata: artifacts.userDefinedMetadata }
      : {}),
  };
  writeFileAtomic(join(directory, MODEL_JSON), JSON.stringify(modelJson));
}

/**
 * A tfjs IOHandler that loads `model.json` and its weight files from a local folder, so Node can
 * `tf.loadGraphModel(modelFilesHandler(dir))` / `tf.loadLayersModel(...)` without tfjs-node.
 */
export function modelFilesHandler(directory: string): tf.io.IOHandler {
  return {
    load: async () => {
      const path = join(directory, MODEL_JSON);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(readFileSync(path, "utf8"));
      } catch (cause) {
        throw new NotFoundError(`${path} cannot be read; export the model there first`, { cause });
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) =>
          group.paths.map((file) => {
            const bytes = readFileSync(join(directory, file));
            return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
          }),
        );
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}
