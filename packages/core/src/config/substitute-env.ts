import { userInfo } from "node:os";

// Python's string.Template: `$$` escapes, `$name` and `${name}` substitute identifiers.
const PATTERN = /\$(?:(\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\{([_a-zA-Z][_a-zA-Z0-9]*)\})/g;

/**
 * Substitutes `$VAR` and `${VAR}` in raw config text with Python `Template.safe_substitute`
 * semantics, as the original's loader: unknown variables are left as written (or replaced by what
 * `unset` returns for them), `$$` becomes `$`. `USER` defaults to the login name when the
 * environment lacks it.
 */
export function substituteEnv(
  text: string,
  env: Record<string, string | undefined> = process.env,
  unset?: (name: string) => string,
): string {
  const lookup = (name: string): string | undefined => {
    const value = env[name];
    if (value !== undefined) return value;
    if (name === "USER") {
      try {
        return userInfo().username;
      } catch {
        return undefined;
      }
    }
    return undefined;
  };
  return text.replace(PATTERN, (match, escaped?: string, bare?: string, braced?: string) => {
    if (escaped) return "$";
    const name = (bare ?? braced) as string;
    const value = lookup(name);
    if (value !== undefined) return value;
    return unset ? unset(name) : match;
  });
}
