import { parseConfig } from "@tml/core";
import { describe, expect, it } from "vitest";
import { tinyConfig } from "../testing/tiny-graph.js";
import { twhinConfigSchema } from "./twhin-config.js";

type Raw = Record<string, unknown> & { model: { embeddings: { tables: object[] } } };

function parseWith(change: (raw: Raw) => void): () => unknown {
  const raw = structuredClone(tinyConfig()) as unknown as Raw;
  change(raw);
  return () => parseConfig(twhinConfigSchema, raw);
}

describe("TwHIN keys rejected at load time", () => {
  it.each([
    [
      "runtime.wandb",
      (raw: Raw) => {
        raw["runtime"] = { wandb: { project: "x" } };
      },
    ],
    [
      "runtime.enable_tensorfloat32",
      (raw: Raw) => {
        raw["runtime"] = { enable_tensorfloat32: true };
      },
    ],
    [
      "runtime.enable_amp",
      (raw: Raw) => {
        raw["runtime"] = { enable_amp: true };
      },
    ],
    [
      "model.embeddings.tables[0].vocab",
      (raw: Raw) => {
        Object.assign(raw.model.embeddings.tables[0]!, { vocab: "ids/" });
      },
    ],
  ])("%s is a ConfigError naming the key", (path, change) => {
    expect(parseWith(change)).toThrow(`${path}: `);
  });

  it("their defaults load", () => {
    expect(
      parseWith((raw) => {
        raw["runtime"] = { wandb: null, enable_amp: false };
      }),
    ).not.toThrow();
  });

  it("training.gradient_accumulation and its parity load (TwHIN accumulates row-sparse gradients)", () => {
    expect(
      parseWith((raw) => {
        raw["training"] = {
          ...(raw["training"] as object),
          gradient_accumulation: 4,
          gradient_accumulation_parity: "original",
        };
      }),
    ).not.toThrow();
  });
});
