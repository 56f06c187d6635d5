import type { z } from "zod";

/** One key a config schema accepts: its path and the other paths of the same sub-schema. */
export interface ConfigKeyPath {
  /**
   * Dotted key path where the walk first met the key (`model.tasks.*.mlp_config.layer_sizes`):
   * `*` stands for any key of a record, `[]` for any element of an array.
   */
  readonly path: string;
  /** Further paths of the same key (one object schema reused, e.g. an MLP config in every tower). */
  readonly aliases: readonly string[];
  /**
   * Nothing to read: the key admits one value only (a literal, e.g. LayerNorm's `axis: -1`), or
   * is an empty section (`log1p_abs_config: {}`), whose presence a one-of refinement decides.
   */
  readonly fixed: boolean;
}

// The zod 4 definition fields the walk follows; everything else is a leaf.
interface SchemaDefinition {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: readonly z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
  values?: readonly unknown[];
}

const definitionOf = (schema: z.ZodType): SchemaDefinition =>
  (schema as unknown as { _zod: { def: SchemaDefinition } })._zod.def;

const join = (prefix: string, key: string): string => (prefix ? `${prefix}.${key}` : key);

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch"]);

// A literal of one value or an object without keys, under default / optional wrappers.
function isFixed(schema: z.ZodType): boolean {
  const definition = definitionOf(schema);
  if (WRAPPERS.has(definition.type)) return isFixed(definition.innerType!);
  if (definition.type === "object") return Object.keys(definition.shape ?? {}).length === 0;
  return definition.type === "literal" && definition.values?.length === 1;
}

/**
 * Every key path a zod 4 schema accepts, in walk order (object keys in declaration order, through
 * optional / nullable / default wrappers, preprocess pipes, arrays, records, unions and
 * intersections). An object schema met again at another path (the same instance, e.g.
 * `mlpConfigSchema` in every tower) is walked once: its keys carry the other paths as aliases, so
 * a registry of readers lists each key once.
 */
export function configKeyPaths(schema: z.ZodType): ConfigKeyPath[] {
  const found = new Map<string, { path: string; aliases: string[]; fixed: boolean }>();
  const firstPathOfObject = new Map<unknown, string>();
  const walk = (node: z.ZodType, prefix: string): void => {
    const definition = definitionOf(node);
    switch (definition.type) {
      case "object": {
        const seenAt = firstPathOfObject.get(definition.shape);
        if (seenAt !== undefined) {
          if (seenAt === prefix) return;
          for (const key of Object.keys(definition.shape ?? {})) {
            found.get(join(seenAt, key))?.aliases.push(join(prefix, key));
          }
          return;
        }
        firstPathOfObject.set(definition.shape, prefix);
        for (const [key, child] of Object.entries(definition.shape ?? {})) {
          const path = join(prefix, key);
          if (!found.has(path)) found.set(path, { path, aliases: [], fixed: isFixed(child) });
          walk(child, path);
        }
        return;
      }
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "nonoptional":
      case "readonly":
      case "catch":
        walk(definition.innerType!, prefix);
        return;
      case "pipe":
        walk(definition.in!, prefix);
        walk(definition.out!, prefix);
        return;
      case "array":
        walk(definition.element!, `${prefix}[]`);
        return;
      case "record":
        walk(definition.valueType!, join(prefix, "*"));
        return;
      case "union":
        for (const option of definition.options ?? []) walk(option, prefix);
        return;
      case "intersection":
        walk(definition.left!, prefix);
        walk(definition.right!, prefix);
        return;
      case "lazy":
        walk(definition.getter!(), prefix);
        return;
      default:
        return;
    }
  };
  walk(schema, "");
  return [...found.values()];
}
