import type { z } from "zod";
import { ConfigError } from "../errors/index.js";

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) =>
      typeof segment === "number" ? `[${segment}]` : `${index === 0 ? "" : "."}${String(segment)}`,
    )
    .join("");
}

/** One human line per zod issue, each led by its key path (`model.tasks.fav.mlp_config: …`). */
export function formatConfigIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys
        .map(
          (key) =>
            `${formatPath([...issue.path, key]) || key}: unknown key (check its spelling and nesting)`,
        )
        .join("\n");
    }
    const where = formatPath(issue.path);
    return `${where || "(root)"}: ${issue.message}`;
  });
}

/**
 * Validates a parsed config against a strict zod schema. Throws `ConfigError` listing every
 * problem with its key path; `source` (a file name) leads the message.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  value: unknown,
  source = "config",
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const lines = formatConfigIssues(result.error);
  const firstPath = result.error.issues[0]?.path ?? [];
  throw new ConfigError(`Invalid ${source}:\n  ${lines.join("\n  ")}`, {
    cause: result.error,
    details: { source, path: formatPath(firstPath), issues: lines },
  });
}
