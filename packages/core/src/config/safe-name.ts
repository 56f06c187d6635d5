import { z } from "zod";

/** Whether `name` holds a path separator or a control character (NUL included). */
function hasForbiddenCharacter(name: string): boolean {
  for (const character of name) {
    const code = character.codePointAt(0) as number;
    if (character === "/" || character === "\\" || code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Why `name` cannot be one path component (a file or folder name), or undefined when it can. */
export function safeNameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (name.length > 200) return `is ${name.length} characters long; at most 200`;
  if (hasForbiddenCharacter(name))
    return `${JSON.stringify(name)} must not contain /, \\ or control characters (it becomes a file name)`;
  if (name.startsWith("."))
    return `${JSON.stringify(name)} must not start with "." (it becomes a file name)`;
  return undefined;
}

/**
 * A config string that becomes one path component (a TwHIN table's export file name, …): 1–200
 * characters, no `/`, `\` or control character (NUL included), not starting with `.` (so not `.`,
 * `..` or a hidden file). Every schema field whose value is joined into a path uses it.
 */
export const safeNameSchema = z.string().superRefine((name, context) => {
  const problem = safeNameProblem(name);
  if (problem) context.addIssue({ code: "custom", message: problem });
});
