import { type RequestHandler, Router } from "express";
import { z } from "zod";
import type { KeyRegistry } from "../../keys/key-registry.js";
import type { KeyService } from "../../keys/key-service.js";
import type { VirtualKey } from "../../keys/virtual-key.js";
import { callerOf } from "../middleware/auth.js";
import { parseBody, parseQuery } from "../validate.js";

const keyOptionFields = {
  models: z.array(z.string().min(1)).optional(),
  key_alias: z.string().min(1).nullable().optional(),
  duration: z.string().min(1).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  max_parallel_requests: z.number().int().positive().nullable().optional(),
};

export const generateKeyBodySchema = z.object(keyOptionFields);
export const updateKeyBodySchema = z.object({ key: z.string().min(1), ...keyOptionFields });
export const deleteKeysBodySchema = z.object({ keys: z.array(z.string().min(1)).min(1) });
export const keyInfoQuerySchema = z.object({ key: z.string().min(1) });
export const keyListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(100).default(10),
});

/** A key as every endpoint shows it: by token, never the raw key. */
export function toKeyInfo(key: VirtualKey) {
  return {
    token: key.token,
    key_name: key.keyName,
    key_alias: key.keyAlias,
    models: key.models,
    metadata: key.metadata,
    max_parallel_requests: key.maxParallelRequests,
    expires: key.expires?.toISOString() ?? null,
    created_at: key.createdAt.toISOString(),
    created_by: key.createdBy,
    updated_at: key.updatedAt.toISOString(),
    updated_by: key.updatedBy,
  };
}

/** LiteLLM's key management endpoints; mounted behind requireAdmin. */
export function keyRoutes(deps: { keyService: KeyService; keys: KeyRegistry }, guard: RequestHandler[]): Router {
  const router = Router();
  const { keyService } = deps;

  router.post("/key/generate", ...guard, async (req, res) => {
    const body = parseBody(generateKeyBodySchema, req);
    const { rawKey, key } = await keyService.generate(body, callerOf(res).actor);
    // The raw key is in this one response and nowhere else, ever.
    res.json({ key: rawKey, ...toKeyInfo(key) });
  });

  router.get("/key/info", ...guard, (req, res) => {
    const { key } = parseQuery(keyInfoQuerySchema, req);
    const found = keyService.info(key);
    res.json({ key: found.token, info: toKeyInfo(found) });
  });

  router.post("/key/update", ...guard, async (req, res) => {
    const { key, ...options } = parseBody(updateKeyBodySchema, req);
    res.json(toKeyInfo(await keyService.update(key, options, callerOf(res).actor)));
  });

  router.post("/key/delete", ...guard, async (req, res) => {
    const { keys } = parseBody(deleteKeysBodySchema, req);
    res.json({ deleted_keys: await keyService.delete(keys, callerOf(res).actor) });
  });

  router.get("/key/list", ...guard, (req, res) => {
    const { page, size } = parseQuery(keyListQuerySchema, req);
    const all = deps.keys.all();
    res.json({
      keys: all.slice((page - 1) * size, page * size).map(toKeyInfo),
      total_count: all.length,
      current_page: page,
      total_pages: Math.ceil(all.length / size),
    });
  });

  return router;
}
