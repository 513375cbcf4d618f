import type { z } from "zod";
import { apiErrorFromZod } from "../errors/zod-error.js";

/** Validates a parsed JSON body; a missing body validates as {} so the first missing field is the one named. */
export function parseJson<S extends z.ZodType>(schema: S, json: unknown): z.infer<S> {
  const body: unknown = json ?? {};
  const result = schema.safeParse(body);
  if (!result.success) throw apiErrorFromZod(result.error, body);
  return result.data;
}

/** Validates a parsed query string (`name=value` pairs, a repeated name as a list). */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const result = schema.safeParse(query);
  if (!result.success) throw apiErrorFromZod(result.error, query);
  return result.data;
}

/**
 * The body with the route's path parameters set in it, the path winning: Azure's URL names the deployment, and
 * its body carries no model (or one the path overrides). A body that is not an object is left for the schema to
 * refuse.
 */
export function withPathParams(json: unknown, params: Readonly<Record<string, string>>): unknown {
  if (json === undefined) return { ...params };
  if (typeof json === "object" && json !== null && !Array.isArray(json)) Object.assign(json, params);
  return json;
}
