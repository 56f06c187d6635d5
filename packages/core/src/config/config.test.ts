import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { TmlError } from "../errors/index.js";
import {
  applyOverrides,
  atMostOneOf,
  configToYaml,
  loadConfigFile,
  loadConfigText,
  oneOf,
  parseConfig,
  substituteEnv,
} from "./index.js";

const optimizer = z
  .strictObject({
    adam: z.strictObject({ lr: z.number() }).nullish(),
    sgd: z.strictObject({ lr: z.number(), momentum: z.number().default(0) }).nullish(),
  })
  .superRefine(oneOf(["adam", "sgd"]));

describe("substituteEnv", () => {
  it("follows Template.safe_substitute", () => {
    const env = { HOME: "/h", N: "3" };
    expect(substituteEnv("a: $HOME/x\nb: ${N}0\nc: $MISSING ${ALSO_MISSING}\nd: $$HOME", env)).toBe(
      "a: /h/x\nb: 30\nc: $MISSING ${ALSO_MISSING}\nd: $HOME",
    );
  });

  it("an unset variable in a value is a ConfigError naming it and the key; in a comment it is ignored", () => {
    const schema = z.strictObject({ data: z.strictObject({ root: z.string() }) });
    const text = "# under ${KG_DIR}\ndata:\n  root: ${KG_DIR}/edges\n";
    expect(loadConfigText(schema, text, { env: { KG_DIR: "/kg" } }).data.root).toBe("/kg/edges");
    expect(() => loadConfigText(schema, text, { env: {} })).toThrow(
      /data\.root uses \$\{KG_DIR\}, but the environment variable KG_DIR is not set/,
    );
    // An override of the value that used it makes the variable unneeded.
    expect(loadConfigText(schema, text, { env: {}, overrides: ["data.root=/x"] }).data.root).toBe(
      "/x",
    );
  });

  it("resolves USER to the login name when unset", () => {
    const user = substituteEnv("${USER}", {});
    expect(user).not.toBe("${USER}");
    expect(user.length).toBeGreaterThan(0);
  });
});

describe("config groups", () => {
  it("one_of: none, one, both", () => {
    expect(() => parseConfig(optimizer, {})).toThrow(/Exactly one of adam, sgd required; none/);
    expect(parseConfig(optimizer, { adam: { lr: 1 } }).adam?.lr).toBe(1);
    expect(parseConfig(optimizer, { sgd: { lr: 1 }, adam: null }).sgd?.momentum).toBe(0);
    expect(() => parseConfig(optimizer, { adam: { lr: 1 }, sgd: { lr: 2 } })).toThrow(
      /got adam and sgd/,
    );
  });

  it("at_most_one_of: none, one (either type), both", () => {
    const schema = z
      .strictObject({ a: z.number().nullish(), b: z.string().nullish() })
      .superRefine(atMostOneOf(["a", "b"]));
    expect(parseConfig(schema, {})).toEqual({});
    expect(parseConfig(schema, { a: 1 })).toEqual({ a: 1 });
    expect(parseConfig(schema, { b: "x" })).toEqual({ b: "x" });
    expect(() => parseConfig(schema, { a: 1, b: "x" })).toThrow(/At most one of a, b/);
  });
});

describe("parseConfig", () => {
  it("rejects unknown keys with their path", () => {
    const schema = z.strictObject({ model: z.strictObject({ x: z.number() }) });
    expect(parseConfig(schema, { model: { x: 1 } })).toEqual({ model: { x: 1 } });
    try {
      parseConfig(schema, { model: { x: 1, y: 2 } }, "run.yaml");
      expect.unreachable();
    } catch (error) {
      expect(TmlError.isInstance(error, "CONFIG")).toBe(true);
      expect((error as Error).message).toContain("run.yaml");
      expect((error as Error).message).toContain("model.y: unknown key");
    }
  });

  it("names the path of a wrong type", () => {
    const schema = z.strictObject({ tasks: z.array(z.strictObject({ rate: z.number() })) });
    expect(() => parseConfig(schema, { tasks: [{ rate: 1 }, { rate: "high" }] })).toThrow(
      /tasks\[1\]\.rate/,
    );
  });
});

describe("loadConfigText", () => {
  it("expands anchors and YAML 1.1 merge keys, then substitutes and overrides", () => {
    const schema = z.strictObject({
      base: z.strictObject({ lr: z.number(), steps: z.number() }),
      tower: z.strictObject({ lr: z.number(), steps: z.number(), name: z.string() }),
      dir: z.string(),
    });
    const text =
      "base: &base\n  lr: 0.1\n  steps: 10\ntower:\n  <<: *base\n  steps: 20\n  name: t\ndir: $ROOT/runs\n";
    const config = loadConfigText(schema, text, {
      env: { ROOT: "/data" },
      overrides: ["tower.lr=0.5"],
    });
    expect(config).toEqual({
      base: { lr: 0.1, steps: 10 },
      tower: { lr: 0.5, steps: 20, name: "t" },
      dir: "/data/runs",
    });
  });

  it("reports malformed YAML as a ConfigError", () => {
    expect(() => loadConfigText(z.strictObject({}), "a: [1, 2", { source: "bad.yaml" })).toThrow(
      /bad\.yaml is not valid YAML/,
    );
  });

  it("loads a file (the original's test: user: ${USER}) and reports a missing one", () => {
    const dir = mkdtempSync(join(tmpdir(), "tml-config-"));
    const path = join(dir, "c.yaml");
    writeFileSync(path, "a: 3\nuser: ${USER}\n");
    const config = loadConfigFile(z.strictObject({ a: z.number(), user: z.string() }), path, {
      env: { USER: "someone" },
    });
    expect(config).toEqual({ a: 3, user: "someone" });
    expect(() => loadConfigFile(z.strictObject({}), join(dir, "missing.yaml"))).toThrow(
      /cannot be read/,
    );
  });
});

describe("applyOverrides", () => {
  it("keeps YAML types, indexes arrays, and leaves the input untouched", () => {
    const input = { a: { b: 1 }, list: [{ x: 1 }, { x: 2 }] };
    const result = applyOverrides(input, [
      "a.b=0.25",
      "a.c=true",
      "list.1.x=[1, 2]",
      "d=null",
      "e.f=text",
    ]);
    expect(result).toEqual({
      a: { b: 0.25, c: true },
      list: [{ x: 1 }, { x: [1, 2] }],
      d: null,
      e: { f: "text" },
    });
    expect(input.a.b).toBe(1);
  });

  it("rejects malformed overrides", () => {
    expect(() => applyOverrides({}, ["novalue"])).toThrow(/key\.path=value/);
    expect(() => applyOverrides({}, ["a..b=1"])).toThrow(/empty key/);
    expect(() => applyOverrides({ a: 3 }, ["a.b=1"])).toThrow(/not a section/);
  });
});

describe("configToYaml", () => {
  it("round-trips", () => {
    const value = { model: { tasks: ["a", "b"], lr: 1e-4 }, name: null };
    expect(parse(configToYaml(value))).toEqual(value);
  });
});
