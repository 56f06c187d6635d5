import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { substituteEnv } from "@tml/core";
import { parse } from "yaml";

/** One mutation of a config, as the `--set key.path=value` override that makes it. */
export interface ConfigMutation {
  /** What was changed (`key twhin.training.num_train_steps_typo`, `type …`, `value …`). */
  label: string;
  override: string;
}

/** A value of another type than `value` that no schema field of `value`'s type accepts. */
function otherType(value: unknown): unknown {
  if (typeof value === "number") return "not-a-number";
  if (typeof value === "string") return 12345;
  if (typeof value === "boolean") return "not-a-boolean";
  if (Array.isArray(value)) return "not-a-list";
  return 7;
}

/** Maps whose keys are names the user chooses, so a new key there is no misspelling. */
const FREE_KEY_MAPS = /(^|\.)(renamed_features|mask_mantissa_features|validation_data)$/;

/**
 * Every key, type and value mutation of a YAML config, as overrides: for each key, a misspelt
 * sibling (`<key>_typo` holding the same value), except in maps whose keys the user names
 * (`renamed_features`, `mask_mantissa_features`, `validation_data`); for each value but null, one
 * of another type; for each number, infinity. Keys with a dot (`recap.engagement.is_favorited`)
 * cannot be addressed by an override and are left out. `env` fills `${VAR}`s first, so a number
 * given by a variable is mutated as a number.
 */
export function configMutations(
  yamlText: string,
  env: Record<string, string> = {},
): ConfigMutation[] {
  const mutations: ConfigMutation[] = [];
  const visit = (value: unknown, path: string[]) => {
    const key = path.join(".");
    if (path.some((segment) => segment.includes("."))) return;
    if (path.length > 0) {
      const last = path[path.length - 1] as string;
      if (!/^\d+$/.test(last) && !FREE_KEY_MAPS.test(path.slice(0, -1).join("."))) {
        mutations.push({
          label: `key ${key}_typo`,
          override: `${key}_typo=${JSON.stringify(value ?? null)}`,
        });
      }
      // A null stands for a nullable field of unknown type: any other type may be valid there.
      if (value !== null)
        mutations.push({
          label: `type ${key}`,
          override: `${key}=${JSON.stringify(otherType(value))}`,
        });
      if (typeof value === "number")
        mutations.push({ label: `value ${key}=.inf`, override: `${key}=.inf` });
    }
    if (typeof value === "object" && value !== null) {
      for (const [child, childValue] of Object.entries(value)) visit(childValue, [...path, child]);
    }
  };
  visit(parse(substituteEnv(yamlText, env), { merge: true }), []);
  return mutations;
}

/**
 * Every file, folder and link under `dir` with a hash of its bytes (or link target): equal
 * snapshots mean the directory was not touched.
 */
export function snapshotDirectory(dir: string): Record<string, string> {
  const snapshot: Record<string, string> = {};
  const walk = (relative: string) => {
    const path = join(dir, relative);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) snapshot[relative] = `link ${readlinkSync(path)}`;
    else if (stat.isDirectory()) {
      snapshot[relative] = "dir";
      for (const entry of readdirSync(path)) walk(join(relative, entry));
    } else {
      snapshot[relative] = createHash("sha256").update(readFileSync(path)).digest("hex");
    }
  };
  walk(".");
  return snapshot;
}
