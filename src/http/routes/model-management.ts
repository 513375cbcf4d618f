import { z } from "zod";
import { litellmParamTypes, modelStringSchema } from "../../config/config-file.js";
import { idSchema, nameSchema, rejectNul } from "../../config/names.js";
import type { ChangeLog } from "../../sync/ports.js";
import type { ModelService } from "../../registry/model-service.js";
import { toStoredModelResponse } from "../views/model-view.js";
import type { Assert, Fits } from "../openapi/json-schema.js";
import { defineRoute } from "../route.js";
import { parseJson } from "../validate.js";
import { litellmParamsResponseSchema } from "./model-info.js";
import { historyOf, historyQuerySchema, historyRowFields } from "./change-history.js";

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

export const newModelBodySchema = z.object({
  model_name: nameSchema,
  litellm_params: z.looseObject({ model: modelStringSchema, ...nullish(litellmParamTypes) }),
  model_info: z.looseObject({ id: idSchema.nullish() }).nullish(),
});

export const modelPatchSchema = z.object({
  model_name: nameSchema.nullish(),
  litellm_params: z
    .looseObject({ model: modelStringSchema.nullish(), ...nullish(orEmpty(litellmParamTypes)) })
    .nullish(),
  model_info: z.looseObject({}).nullish(),
  /** LiteLLM's model blocking; accepted so its clients work, not acted on. */
  blocked: z.boolean().nullish(),
});

export const updateModelBodySchema = modelPatchSchema.extend({
  model_info: z.looseObject({ id: idSchema }),
});

/** A path parameter is a caller's id like any other. */
const idParamSchema = z.object({ id: idSchema });

export const deleteModelBodySchema = z.object({ id: idSchema });

/** The stored row, as LiteLLM answers /model/new and /model/update. */
const storedModelSchema = z.object({
  model_id: z.string(),
  model_name: z.string(),
  litellm_params: litellmParamsResponseSchema,
  model_info: z.looseObject({
    id: z.string(),
    db_model: z.literal(true),
    callable: z.boolean().describe("false for a LiteLLM provider Switchboard stores and lists but cannot call yet"),
    not_callable_reason: z.string().optional().describe("Set when callable is false"),
  }),
  created_at: z.iso.datetime(),
  created_by: z.string(),
  updated_at: z.iso.datetime(),
  updated_by: z.string(),
});

const deleteModelResponseSchema = z.object({ message: z.string() });

const historySchema = z.object({
  data: z.array(z.object({ ...historyRowFields, model_id: z.string() })),
});

export type StoredModelCheck = Assert<
  Fits<ReturnType<typeof toStoredModelResponse>, typeof storedModelSchema, "litellm_params" | "model_info">
>;

export const managementComponents = {
  StoredModel: storedModelSchema,
  DeleteModelResponse: deleteModelResponseSchema,
  ModelHistory: historySchema,
};

const tags = ["model management"];

const UPDATE_DESCRIPTION =
  "Merged key by key into the stored deployment, as LiteLLM does: a field that is absent or `null` keeps the stored " +
  'value, any other value replaces it, and `""` removes that key from litellm_params or model_info. A secret sent ' +
  "back exactly as masked (a header value, a part of api_base, an api_key) keeps the stored secret. `blocked` is " +
  "accepted and ignored.";

export interface ModelManagementDeps {
  models: ModelService;
  changeLog: ChangeLog;
}

/**
 * LiteLLM's write endpoints for stored deployments, plus the change history; master key only. Every write is
 * validated, committed to PostgreSQL, applied locally, then announced to the other replicas.
 */
export const modelManagementRoutes = [
  defineRoute({
    method: "post",
    path: "/model/new",
    summary: "Add a deployment",
    description:
      "`model_info.id` is generated when not given. `null` in any optional field means not given. Secrets in litellm_params " +
      "(secret-named fields at any depth, every header value, the user info and query values of api_base) are encrypted " +
      "at rest and masked in the reply. A provider name LiteLLM does not know is a 400 `unsupported_provider` with the closest name suggested; " +
      "a LiteLLM provider Switchboard cannot call yet is stored and listed with `model_info.callable: false`.",
    tags,
    security: "master",
    body: newModelBodySchema.superRefine(rejectNul),
    response: storedModelSchema,
    errors: [400, 401, 403, 409, 413, 415, 500, 503],
    handler: async ({ body, caller }, { models }: ModelManagementDeps) =>
      toStoredModelResponse(await models.create(body, caller.actor)),
  }),
  defineRoute({
    method: "post",
    path: "/model/update",
    summary: "Edit a stored deployment, named by model_info.id",
    description: UPDATE_DESCRIPTION,
    tags,
    security: "master",
    body: updateModelBodySchema.superRefine(rejectNul),
    response: storedModelSchema,
    errors: [400, 401, 403, 404, 413, 415, 500, 503],
    handler: async ({ body, caller }, { models }: ModelManagementDeps) =>
      toStoredModelResponse(await models.update(body.model_info.id, body, caller.actor)),
  }),
  defineRoute({
    method: "patch",
    path: "/model/{id}/update",
    summary: "Edit a stored deployment, named in the path",
    description: UPDATE_DESCRIPTION,
    tags,
    security: "master",
    params: { id: "The deployment's model_info.id" },
    body: modelPatchSchema.superRefine(rejectNul),
    response: storedModelSchema,
    errors: [400, 401, 403, 404, 413, 415, 500, 503],
    handler: async ({ body, params, caller }, { models }: ModelManagementDeps) => {
      const { id } = parseJson(idParamSchema, params);
      return toStoredModelResponse(await models.update(id, body, caller.actor));
    },
  }),
  defineRoute({
    method: "post",
    path: "/model/delete",
    summary: "Delete a stored deployment",
    tags,
    security: "master",
    body: deleteModelBodySchema,
    response: deleteModelResponseSchema,
    errors: [400, 401, 403, 404, 413, 415, 500, 503],
    handler: async ({ body: { id }, caller }, { models }: ModelManagementDeps) => {
      await models.delete(id, caller.actor);
      return { message: `Model: ${id} deleted successfully` };
    },
  }),
  defineRoute({
    method: "get",
    path: "/model/history",
    summary: "Committed changes to stored deployments, newest first",
    tags,
    security: "master",
    query: historyQuerySchema,
    response: historySchema,
    errors: [400, 401, 403, 500, 503],
    handler: ({ query }, { changeLog }: ModelManagementDeps) => historyOf(changeLog, "model", "model_id", query),
  }),
];
