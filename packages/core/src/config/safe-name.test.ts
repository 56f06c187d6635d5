import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseConfig, safeNameSchema } from "./index.js";

describe("safeNameSchema", () => {
  const schema = z.strictObject({ name: safeNameSchema });

  it("accepts plain names", () => {
    for (const name of ["user", "tweet_2", "recap.engagement.is_favorited", "a-b", "ünï"])
      expect(parseConfig(schema, { name }).name).toBe(name);
  });

  it.each([
    ["../x", /must not contain/],
    ["..", /must not start with "\."/],
    [".", /must not start with "\."/],
    [".hidden", /must not start with "\."/],
    ["/etc/passwd", /must not contain/],
    ["a/b", /must not contain/],
    ["a\\b", /must not contain/],
    ["", /must not be empty/],
    ["a\u0000b", /must not contain/],
    ["line\nbreak", /must not contain/],
    ["x".repeat(201), /at most 200/],
  ])("rejects %j with the key path", (name, reason) => {
    expect(() => parseConfig(schema, { name })).toThrow(reason);
    expect(() => parseConfig(schema, { name })).toThrow(/name: /);
  });
});
