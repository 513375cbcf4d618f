import { type RequestHandler, Router } from "express";
import { z } from "zod";
import { litellmParamsSchema, modelInfoSchema } from "../../config/config-file.js";
import type { ChangeLog } from "../../registry/ports.js";
import type { ModelService } from "../../registry/model-service.js";
import { toStoredModelResponse } from "../../registry/model-view.js";
import { callerOf } from "../middleware/auth.js";
import { parseBody, parseQuery } from "../validate.js";

export const newModelBodySchema = z.object({
  model_name: z.string().trim().min(1),
  litellm_params: litellmParamsSchema,
  model_info: modelInfoSchema.optional(),
});

const nullableCount = z.number().int().nonnegative().nullable().optional();

/** Known params keep their types; `null` clears a param. */
const litellmParamsPatchSchema = z.looseObject({
  model: z.string().trim().min(1).optional(),
  api_base: z.string().nullable().optional(),
  api_key: z.string().nullable().optional(),
  api_version: z.string().nullable().optional(),
  rpm: nullableCount,
  tpm: nullableCount,
  timeout: z.number().positive().nullable().optional(),
  weight: z.number().positive().nullable().optional(),
});

export const modelPatchSchema = z.object({
  model_name: z.string().trim().min(1).optional(),
  litellm_params: litellmParamsPatchSchema.optional(),
  model_info: z.looseObject({}).optional(),
});

export const updateModelBodySchema = modelPatchSchema.extend({
  model_info: z.looseObject({ id: z.string().trim().min(1) }),
});

export const deleteModelBodySchema = z.object({ id: z.string().trim().min(1) });

export const historyQuerySchema = z.object({
  id: z.string().min(1).optional(),
  since_revision: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export interface ModelManagementDeps {
  models: ModelService;
  changeLog: ChangeLog;
}

/** LiteLLM's write endpoints for stored deployments, plus the change history. Mounted behind requireAdmin. */
export function modelManagementRoutes({ models, changeLog }: ModelManagementDeps, guard: RequestHandler[]): Router {
  const router = Router();

  router.post("/model/new", ...guard, async (req, res) => {
    const body = parseBody(newModelBodySchema, req);
    const created = await models.create(body, callerOf(res).actor);
    res.json(toStoredModelResponse(created));
  });

  router.post("/model/update", ...guard, async (req, res) => {
    const body = parseBody(updateModelBodySchema, req);
    const updated = await models.update(body.model_info.id, body, callerOf(res).actor);
    res.json(toStoredModelResponse(updated));
  });

  router.patch("/model/:id/update", ...guard, async (req, res) => {
    const body = parseBody(modelPatchSchema, req);
    const updated = await models.update(String(req.params.id), body, callerOf(res).actor);
    res.json(toStoredModelResponse(updated));
  });

  router.post("/model/delete", ...guard, async (req, res) => {
    const { id } = parseBody(deleteModelBodySchema, req);
    await models.delete(id, callerOf(res).actor);
    res.json({ message: `Model: ${id} deleted successfully` });
  });

  router.get("/model/history", ...guard, async (req, res) => {
    const query = parseQuery(historyQuerySchema, req);
    const entries = await changeLog.history({
      entity: "model",
      entityId: query.id,
      sinceRevision: query.since_revision,
      limit: query.limit,
    });
    res.json({
      data: entries.map((entry) => ({
        revision: entry.revision,
        op: entry.op,
        model_id: entry.entityId,
        actor: entry.actor,
        created_at: entry.createdAt.toISOString(),
      })),
    });
  });

  return router;
}
