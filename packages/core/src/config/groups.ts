import type { z } from "zod";

function isPresent(value: unknown): boolean {
  return value !== null && value !== undefined;
}

/**
 * A zod `superRefine` callback requiring exactly one of `fields` to be set (`null` and absent
 * count as unset), as the original's `one_of` groups: `schema.superRefine(oneOf(["adam", "sgd"]))`.
 */
export function oneOf<T extends object>(fields: readonly (keyof T & string)[]) {
  return (value: T, context: z.RefinementCtx<T>): void => {
    const present = fields.filter((field) => isPresent(value[field]));
    if (present.length !== 1) {
      context.addIssue({
        code: "custom",
        message:
          present.length === 0
            ? `Exactly one of ${fields.join(", ")} required; none is set.`
            : `Exactly one of ${fields.join(", ")} required; got ${present.join(" and ")}.`,
      });
    }
  };
}

/** Like `oneOf`, but zero fields set is also valid (the original's `at_most_one_of`). */
export function atMostOneOf<T extends object>(fields: readonly (keyof T & string)[]) {
  return (value: T, context: z.RefinementCtx<T>): void => {
    const present = fields.filter((field) => isPresent(value[field]));
    if (present.length > 1) {
      context.addIssue({
        code: "custom",
        message: `At most one of ${fields.join(", ")} can be set; got ${present.join(" and ")}.`,
      });
    }
  };
}
