import { ConfigError, UsageError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { reportError, runCli } from "./cli-io.js";
import { booleanFlag, optionalInteger, parseFlags, requiredString, stringList } from "./flags.js";
import { capture } from "./testing/capture-io.js";

describe("flags", () => {
  const spec = {
    out: { type: "string" },
    set: { type: "string", multiple: true },
    steps: { type: "string" },
    quiet: { type: "boolean" },
  } as const;

  it("parse strictly and read typed values", () => {
    const flags = parseFlags(
      "tool run",
      ["--out", "x", "--set", "a=1", "--set", "b=2", "--quiet"],
      spec,
    );
    expect(requiredString("tool run", flags, "out")).toBe("x");
    expect(stringList(flags, "set")).toEqual(["a=1", "b=2"]);
    expect(booleanFlag(flags, "quiet")).toBe(true);
    expect(optionalInteger("tool run", parseFlags("t", ["--steps", "1_000"], spec), "steps")).toBe(
      1000,
    );
  });

  it("turn every mistake into a UsageError pointing at --help", () => {
    expect(() => parseFlags("tool run", ["--nope"], spec)).toThrow(/tool run: .*tool run --help/);
    expect(() => requiredString("tool run", parseFlags("t", [], spec), "out")).toThrow(
      /--out is required/,
    );
    expect(() =>
      optionalInteger("tool run", parseFlags("t", ["--steps", "1.5"], spec), "steps", 1),
    ).toThrow(UsageError);
  });
});

describe("runCli", () => {
  it("maps errors to one stderr line and the documented exit code", async () => {
    const cli = capture();
    expect(await runCli("tool", cli.io, async () => undefined)).toBe(0);
    const usage = await runCli("tool", cli.io, async () => {
      throw new UsageError("bad flag");
    });
    expect(usage).toBe(2);
    expect(reportError("tool", new ConfigError("line one\n  line two"), cli.io)).toBe(3);
    expect(cli.err()).toBe("tool: bad flag\ntool: line one; line two\n");
    expect(reportError("tool", new Error("boom"), cli.io)).toBe(70);
    expect(cli.err()).toMatch(/tool: internal error \(please report it\): Error: boom/);
  });
});
