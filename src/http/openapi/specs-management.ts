import { z } from "zod";
import type { ChangeOp } from "../../sync/ports.js";
import type { toStoredModelResponse } from "../views/model-view.js";
import {
  deleteModelBodySchema,
  historyQuerySchema,
  modelPatchSchema,
  newModelBodySchema,
  updateModelBodySchema,
} from "../routes/model-management.js";
import type { Assert, Fits } from "./json-schema.js";
import type { OperationSpec } from "./operation.js";
import { litellmParamsResponseSchema } from "./specs-models.js";

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
  data: z.array(
    z.object({
      revision: z.number().int().min(1),
      op: z.enum(["create", "update", "delete"] as const satisfies readonly ChangeOp[]),
      model_id: z.string(),
      actor: z.string(),
      created_at: z.iso.datetime(),
    }),
  ),
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
  'value, any other value replaces it, and `""` removes that key from litellm_params or model_info. `blocked` is ' +
  "accepted and ignored.";

// Every write is validated, committed to PostgreSQL, applied locally, then announced to the other replicas.
export const managementOperations: OperationSpec[] = [
  {
    method: "post",
    path: "/model/new",
    summary: "Add a deployment",
    description:
      "`model_info.id` is generated when not given. `null` in any optional field means not given. Secrets in litellm_params are " +
      "encrypted at rest. A provider name LiteLLM does not know is a 400 `unsupported_provider` with the closest name suggested; " +
      "a LiteLLM provider Switchboard cannot call yet is stored and listed with `model_info.callable: false`.",
    tags,
    security: "master",
    body: newModelBodySchema,
    response: storedModelSchema,
    errors: [400, 401, 403, 409, 413, 500],
  },
  {
    method: "post",
    path: "/model/update",
    summary: "Edit a stored deployment, named by model_info.id",
    description: UPDATE_DESCRIPTION,
    tags,
    security: "master",
    body: updateModelBodySchema,
    response: storedModelSchema,
    errors: [400, 401, 403, 404, 413, 500],
  },
  {
    method: "patch",
    path: "/model/{id}/update",
    summary: "Edit a stored deployment, named in the path",
    description: UPDATE_DESCRIPTION,
    tags,
    security: "master",
    params: { id: "The deployment's model_info.id" },
    body: modelPatchSchema,
    response: storedModelSchema,
    errors: [400, 401, 403, 404, 413, 500],
  },
  {
    method: "post",
    path: "/model/delete",
    summary: "Delete a stored deployment",
    tags,
    security: "master",
    body: deleteModelBodySchema,
    response: deleteModelResponseSchema,
    errors: [400, 401, 403, 404, 413, 500],
  },
  {
    method: "get",
    path: "/model/history",
    summary: "Committed changes to stored deployments, newest first",
    tags,
    security: "master",
    query: historyQuerySchema,
    response: historySchema,
    errors: [400, 401, 403, 500],
  },
];
