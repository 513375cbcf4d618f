import { type RequestHandler, Router } from "express";
import { z } from "zod";
import { litellmParamTypes, modelStringSchema } from "../../config/config-file.js";
import type { ChangeLog } from "../../sync/ports.js";
import type { ModelService } from "../../registry/model-service.js";
import { toStoredModelResponse } from "../views/model-view.js";
import { callerOf } from "../middleware/auth.js";
import { parseBody, parseQuery } from "../validate.js";

// LiteLLM's request models are all Optional[...] and its clients send explicit nulls: every optional field here
// takes `null` as "not given". Keys LiteLLM accepts that Switchboard does not act on pass (litellm_params and
// model_info are loose; `blocked` is typed and ignored); known fields keep their types, so a wrong type is a 400.

type Nullish<T extends Record<string, z.ZodType>> = { [K in keyof T]: z.ZodOptional<z.ZodNullable<T[K]>> };

function nullish<T extends Record<string, z.ZodType>>(shape: T): Nullish<T> {
  return Object.fromEntries(Object.entries(shape).map(([key, type]) => [key, type.nullish()])) as Nullish<T>;
}

/** On updates `""` removes a param, whatever its type (null keeps it). */
function orEmpty<T extends Record<string, z.ZodType>>(shape: T) {
  return Object.fromEntries(Object.entries(shape).map(([key, type]) => [key, type.or(z.literal(""))])) as {
    [K in keyof T]: z.ZodUnion<[T[K], z.ZodLiteral<"">]>;
  };
}

const modelInfoIdSchema = z.string().trim().min(1);

export const newModelBodySchema = z.object({
  model_name: z.string().trim().min(1),
  litellm_params: z.looseObject({ model: modelStringSchema, ...nullish(litellmParamTypes) }),
  model_info: z.looseObject({ id: modelInfoIdSchema.nullish() }).nullish(),
});

export const modelPatchSchema = z.object({
  model_name: z.string().trim().min(1).nullish(),
  litellm_params: z
    .looseObject({ model: modelStringSchema.nullish(), ...nullish(orEmpty(litellmParamTypes)) })
    .nullish(),
  model_info: z.looseObject({}).nullish(),
  /** LiteLLM's model blocking; accepted so its clients work, not acted on. */
  blocked: z.boolean().nullish(),
});

export const updateModelBodySchema = modelPatchSchema.extend({
  model_info: z.looseObject({ id: modelInfoIdSchema }),
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
