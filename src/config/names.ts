import { z } from "zod";

// Every name and id a caller or config.yaml gives (model names, deployment ids, key aliases, user and team ids,
// query ids, path parameters) goes through one rule, so none can carry a NUL to PostgreSQL (a 500 there), break a
// log line, or be echoed back megabytes long. The rule lives in config/ because config.yaml and the HTTP routes
// both validate with it.

export const MAX_NAME_LENGTH = 256;

// Unicode's Cc category is exactly C0 (U+0000–U+001F), DEL and C1 (U+007F–U+009F).
/** At most MAX_NAME_LENGTH code points, none of them a control character. One test decides the common case. */
const WELL_FORMED = /^\P{Cc}{0,256}$/u;
const CONTROL = /\p{Cc}/u;

/** Why a name breaks the rule, or undefined when it keeps it. Never quotes the value. */
export function nameProblem(value: string): string | undefined {
  if (WELL_FORMED.test(value)) return undefined;
  return CONTROL.test(value) ? "must not contain control characters" : `must be at most ${MAX_NAME_LENGTH} characters`;
}

/** One regex test when the name is fine (the inference routes check every `model`); the message only on failure. */
function keepsTheRule<T extends z.ZodString>(schema: T) {
  return schema.refine((value) => WELL_FORMED.test(value), {
    error: (issue) => nameProblem(typeof issue.input === "string" ? issue.input : ""),
  });
}

/** A required name or id: surrounding whitespace trimmed, then 1 to 256 characters, no control characters. */
export const nameSchema = keepsTheRule(z.string().trim().min(1, "must not be empty"));

/** The same rule for ids: a deployment's model_info.id, a key's token, a user or team id. */
export const idSchema = nameSchema;

/** A caller's label kept exactly as sent (it may be empty): at most 256 characters, no control characters. */
export const labelSchema = keepsTheRule(z.string());

/**
 * Where the first NUL sits in a JSON value, keys included, or undefined. PostgreSQL stores neither a NUL in text nor
 * the escape \u0000 in jsonb, so a body bound for a JSON column is checked whole. Walked without recursion: a body
 * may be nested deeper than the stack.
 */
export function nulPath(value: unknown): PropertyKey[] | undefined {
  // Each entry points at its parent, so the path is built only for the NUL found (copying it per node is quadratic).
  interface Entry {
    value: unknown;
    key: PropertyKey;
    parent: Entry | undefined;
  }
  const pathOf = (entry: Entry | undefined): PropertyKey[] => {
    const path: PropertyKey[] = [];
    for (let at = entry; at?.parent !== undefined; at = at.parent) path.push(at.key);
    return path.reverse();
  };
  const pending: Entry[] = [{ value, key: "", parent: undefined }];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const current = entry.value;
    if (typeof current === "string") {
      if (current.includes("\u0000")) return pathOf(entry);
    } else if (current !== null && typeof current === "object") {
      const isArray = Array.isArray(current);
      for (const [key, child] of Object.entries(current)) {
        if (key.includes("\u0000")) return pathOf(entry);
        pending.push({ value: child, key: isArray ? Number(key) : key, parent: entry });
      }
    }
  }
  return undefined;
}

/** A refinement for bodies stored as JSON: a NUL anywhere is a 400 naming where it is. */
export function rejectNul(value: unknown, ctx: z.RefinementCtx): void {
  const path = nulPath(value);
  if (path) ctx.addIssue({ code: "custom", path, message: "must not contain NUL characters" });
}
