import type { Request } from "express";
import type { z } from "zod";
import { apiErrorFromZod } from "../errors/zod-error.js";

/** Validates a parsed JSON body; a missing body validates as {} so the first missing field is the one named. */
export function parseJson<S extends z.ZodType>(schema: S, json: unknown): z.infer<S> {
  const body: unknown = json ?? {};
  const result = schema.safeParse(body);
  if (!result.success) throw apiErrorFromZod(result.error, body);
  return result.data;
}

export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  return parseJson(schema, req.body);
}

export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const result = schema.safeParse(req.query);
  if (!result.success) throw apiErrorFromZod(result.error, req.query);
  return result.data;
}
