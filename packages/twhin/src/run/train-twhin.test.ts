import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfigFile, TmlError } from "@tml/core";
import { edgeTable, writeParquetFile } from "@tml/data-io";
import { loadCheckpointArray } from "@tml/training";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { twhinConfigSchema } from "../config/twhin-config.js";
import { readEmbeddings } from "../export/embedding-files.js";
import { writeEngagementGraph } from "../testing/generated-graph.js";
import { exportEmbeddings } from "./export-embeddings.js";
import { trainTwhin } from "./train-twhin.js";

const localYaml = fileURLToPath(new URL("../../configs/local.yaml", import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "twhin-train-"));
  await writeEngagementGraph(join(dir, "graph"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// local.yaml's own table sizes (424,241 users) make every step touch big arrays; the generated
// graph has 300 users and 200 Tweets, so most tests shrink the tables to that.
const small = [
  "model.embeddings.tables.0.num_embeddings=300",
  "model.embeddings.tables.1.num_embeddings=200",
];

function localConfig(saveDir: string, extra: string[] = []) {
  return loadConfigFile(twhinConfigSchema, localYaml, {
    overrides: [
      `train_data.data_root=${dir}/graph/edges/train/*.parquet`,
      `validation_data.data_root=${dir}/graph/edges/test/*.parquet`,
      "validation_data.offset=null",
      "validation_data.limit=200",
      `training.save_dir=${saveDir}`,
      "training.num_train_steps=30",
      "training.checkpoint_every_n=10",
      "training.train_log_every_n=10",
      ...extra,
    ],
  });
}

async function expectError(
  promise: Promise<unknown>,
  code: string,
  text: string,
): Promise<TmlError> {
  try {
    await promise;
  } catch (error) {
    expect(TmlError.isInstance(error, code as never), String(error)).toBe(true);
    expect(String((error as Error).message)).toContain(text);
    return error as TmlError;
  }
  throw new Error("expected an error");
}

describe("trainTwhin", () => {
  it("trains the original local.yaml on generated data, with checkpoints and evaluation", async () => {
    const saveDir = join(dir, "local");
    const logs: number[] = [];
    const result = await trainTwhin({
      config: localConfig(saveDir, [
        "training.eval_every_n=30",
        "training.num_train_steps=20",
        "validation_data.limit=20",
      ]),
      device: "cpu",
      callbacks: { onLog: (event) => void logs.push(event.examplesPerSecond) },
    });
    expect(result.status).toBe("completed");
    expect(result.step).toBe(20);
    expect(
      readdirSync(saveDir)
        .filter((n) => /^\d+$/.test(n))
        .sort(),
    ).toEqual(["10", "20"]);
    expect(logs).toHaveLength(2);
    expect(result.lastEval?.["queries"]).toBe(40);
    expect(result.lastEval?.["mrr"]).toBeGreaterThan(0);
  });

  /** Trains `name` straight, and again killed at step 17 then resumed; checks they end equal. */
  async function crashAndResume(name: string, extra: string[]) {
    const straight = await trainTwhin({
      config: localConfig(join(dir, `${name}-straight`), extra),
      device: "cpu",
    });
    const crashDir = join(dir, `${name}-crash`);
    await expectError(
      trainTwhin({
        config: localConfig(crashDir, extra),
        device: "cpu",
        callbacks: {
          onStep: (event) => {
            if (event.step === 17) throw new TmlError("INTERNAL", "simulated kill at step 17");
          },
        },
      }),
      "INTERNAL",
      "simulated kill",
    );
    const crashed = await loadCheckpointArray(join(crashDir, "10"), "table/user");
    const resumed = await trainTwhin({ config: localConfig(crashDir, extra), device: "cpu" });
    expect(resumed.step).toBe(30);
    for (const [t, table] of resumed.model.tables.entries()) {
      expect(table.stored).toEqual(straight.model.tables[t]!.stored);
    }
    expect(resumed.model.relationParams).toEqual(straight.model.relationParams);
    return { resumed, crashDir, crashed };
  }

  const resumeSettings = [
    ...small,
    "model.embeddings.tables.0.embedding_dim=8",
    "model.embeddings.tables.1.embedding_dim=8",
    "train_data.global_negatives=5",
  ];

  it("resumes after a crash and ends bit-identical to an uninterrupted run", async () => {
    const { crashDir } = await crashAndResume("fp32", resumeSettings);
    await expectError(
      trainTwhin({
        config: localConfig(crashDir, resumeSettings),
        device: "cpu",
        maxSteps: 40,
        resume: false,
      }),
      "USAGE",
      "resume",
    );
  });

  it("bf16 tables: checkpoints hold their uint16 patterns, a resume is bit-identical, exports are float32", async () => {
    const extra = [
      ...resumeSettings,
      "model.embeddings.tables.0.data_type=bf16",
      "model.embeddings.tables.1.data_type=bf16",
    ];
    const { resumed, crashDir, crashed } = await crashAndResume("bf16", extra);
    expect(crashed.dtype).toBe("uint16");
    expect(crashed.data.byteLength).toBe(300 * 8 * 2);
    expect(resumed.model.tables[0]!.stored).toBeInstanceOf(Uint16Array);
    // The export decodes the checkpoint's patterns to float32.
    const exported = await exportEmbeddings({
      config: localConfig(crashDir, extra),
      outDir: join(dir, "bf16-export"),
      tables: ["user"],
    });
    const back = await readEmbeddings(exported.files);
    expect(back.get("user")!.vectors).toEqual(resumed.model.tables[0]!.toFloat32());
  });

  it("refuses to resume with another optimizer (ConfigError naming both), keeping the checkpoint", async () => {
    const saveDir = join(dir, "optimizer-change");
    const adagrad = [
      ...small,
      "model.embeddings.tables.0.optimizer.sgd=null",
      "model.embeddings.tables.0.optimizer.adagrad.lr=0.01",
    ];
    await trainTwhin({ config: localConfig(saveDir, adagrad), device: "cpu", maxSteps: 10 });
    const error = await expectError(
      trainTwhin({ config: localConfig(saveDir, small), device: "cpu", maxSteps: 20 }),
      "CONFIG",
      "table/user with adagrad, the config asks for sgd",
    );
    expect(error.message).toContain("step 10");
    expect(readdirSync(saveDir)).toEqual(["10"]);
  });

  it("stops on a NaN loss naming the step and the last checkpoint", async () => {
    const error = await expectError(
      trainTwhin({
        config: localConfig(join(dir, "nan"), [
          ...small,
          "model.embeddings.tables.0.optimizer.sgd.lr=1e30",
          "model.embeddings.tables.0.optimizer.learning_rate.constant=1e30",
          "model.embeddings.tables.1.optimizer.sgd.lr=1e30",
          "model.embeddings.tables.1.optimizer.learning_rate.constant=1e30",
          "training.checkpoint_every_n=1",
        ]),
        device: "cpu",
      }),
      "NUMERIC",
      "step",
    );
    expect(String(error.details["checkpoint"])).toContain(join(dir, "nan"));
  });

  it("rejects a corrupt checkpoint with CheckpointError and leaves it in place", async () => {
    const saveDir = join(dir, "corrupt");
    await trainTwhin({
      config: localConfig(saveDir, [...small, "training.num_train_steps=10"]),
      device: "cpu",
    });
    const arrays = join(saveDir, "10", "arrays.bin");
    const bytes = readFileSync(arrays);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(arrays, bytes);
    await expectError(
      trainTwhin({ config: localConfig(saveDir, small), device: "cpu" }),
      "CHECKPOINT",
      "",
    );
    expect(existsSync(arrays)).toBe(true);
  });

  it("rejects out-of-range ids, negative ids and unknown relations with DataError", async () => {
    const write = async (name: string, lhs: number[], rel: number[], rhs: number[]) => {
      const path = join(dir, `${name}.parquet`);
      await writeParquetFile(path, edgeTable(lhs, rel, rhs));
      return path;
    };
    const run = (path: string) =>
      trainTwhin({
        config: localConfig(join(dir, `bad-${path.length}-${Math.random()}`), [
          ...small,
          `train_data.data_root=${path}`,
        ]),
        device: "cpu",
      });
    await expectError(
      run(await write("big", [0, 1], [0, 1], [3, 200])),
      "DATA",
      'big.parquet row 1: rhs id 200 of relation "reply" is outside table "tweet"',
    );
    await expectError(
      run(await write("negative", [0, -1], [0, 0], [3, 4])),
      "DATA",
      'negative.parquet row 1: column "lhs"',
    );
    await expectError(
      run(await write("relation", [0, 1], [0, 7], [3, 4])),
      "DATA",
      "relation.parquet row 1: relation 7",
    );
  });
});
