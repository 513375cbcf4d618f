import { z } from "zod";
import type { toModelGroupInfo, toOpenAiModel } from "../views/model-view.js";
import { modelGroupQuerySchema, modelInfoQuerySchema, modelInfoV2QuerySchema } from "../routes/model-info.js";
import { modelListQuerySchema } from "../routes/models.js";
import type { Assert, Fits } from "./json-schema.js";
import type { OperationSpec } from "./operation.js";

const nullableNumber = z.number().nullable();

export const openAiModelSchema = z.object({
  id: z.string().describe("A name callers send as `model`: a model_name, or a model a wildcard deployment serves"),
  object: z.literal("model"),
  created: z.number().int(),
  owned_by: z.string(),
});

const modelListSchema = z.object({ object: z.literal("list"), data: z.array(openAiModelSchema) });

/** Secrets (api_key and the like) are masked in every response. */
export const litellmParamsResponseSchema = z
  .looseObject({ model: z.string() })
  .describe("The deployment's litellm_params; api_key and other secrets are masked");

// Cost-map fields (max_input_tokens, input_cost_per_token, ...) sit under the user's own model_info fields.
const modelInfoFieldsSchema = z.looseObject({
  id: z.string(),
  db_model: z.boolean().describe("true when stored through the API, false when defined in config.yaml"),
  created_at: z.iso.datetime().optional(),
  created_by: z.string().optional(),
  updated_at: z.iso.datetime().optional(),
  updated_by: z.string().optional(),
});

const modelInfoItemSchema = z.object({
  model_name: z.string(),
  litellm_params: litellmParamsResponseSchema,
  model_info: modelInfoFieldsSchema,
});

const modelInfoListSchema = z.object({ data: z.array(modelInfoItemSchema) });

const modelInfoPageSchema = z.object({
  data: z.array(modelInfoItemSchema),
  total_count: z.number().int().nonnegative(),
  current_page: z.number().int().min(1),
  total_pages: z.number().int().nonnegative(),
  size: z.number().int().min(1),
});

const modelGroupInfoSchema = z.object({
  model_group: z.string(),
  providers: z.array(z.string()),
  max_input_tokens: nullableNumber,
  max_output_tokens: nullableNumber,
  input_cost_per_token: nullableNumber,
  output_cost_per_token: nullableNumber,
  mode: z.string().nullable(),
  tpm: nullableNumber.describe("Sum over the group's deployments"),
  rpm: nullableNumber.describe("Sum over the group's deployments"),
  supports_function_calling: z.boolean(),
  supports_vision: z.boolean(),
  supports_reasoning: z.boolean(),
  num_deployments: z.number().int().nonnegative(),
});

const modelGroupInfoListSchema = z.object({ data: z.array(modelGroupInfoSchema) });

// Compile-time: what the view functions return must validate against what is documented.
export type ModelViewChecks = [
  Assert<Fits<ReturnType<typeof toOpenAiModel>, typeof openAiModelSchema>>,
  Assert<Fits<ReturnType<typeof toModelGroupInfo>, typeof modelGroupInfoSchema>>,
];

export const modelsComponents = {
  Model: openAiModelSchema,
  ModelList: modelListSchema,
  ModelInfoItem: modelInfoItemSchema,
  ModelInfoList: modelInfoListSchema,
  ModelInfoPage: modelInfoPageSchema,
  ModelGroupInfo: modelGroupInfoSchema,
  ModelGroupInfoList: modelGroupInfoListSchema,
};

export const modelsOperations: OperationSpec[] = [
  {
    method: "get",
    path: "/v1/models",
    aliases: ["/models"],
    summary: "List models (OpenAI): model groups, then the known models each wildcard deployment serves",
    tags: ["models"],
    security: "key",
    query: modelListQuerySchema,
    response: modelListSchema,
    errors: [400, 401, 500],
  },
  {
    method: "get",
    path: "/v1/models/{name}",
    aliases: ["/models/{name}"],
    summary: "Retrieve one model (OpenAI)",
    tags: ["models"],
    security: "key",
    params: {
      name: "A model name the caller can call; it may contain slashes (`openai/gpt-4o`), which are sent unencoded",
    },
    response: openAiModelSchema,
    errors: [401, 404, 500],
  },
  {
    method: "get",
    path: "/model/info",
    aliases: ["/v1/model/info"],
    summary: "Every deployment with its litellm_params and enriched model_info",
    tags: ["models"],
    security: "key",
    query: modelInfoQuerySchema,
    response: modelInfoListSchema,
    errors: [400, 401, 404, 500],
  },
  {
    method: "get",
    path: "/v2/model/info",
    summary: "Deployments, paged, filtered and sorted",
    tags: ["models"],
    security: "key",
    query: modelInfoV2QuerySchema,
    response: modelInfoPageSchema,
    errors: [400, 401, 500],
  },
  {
    method: "get",
    path: "/model_group/info",
    aliases: ["/v1/model_group/info"],
    summary: "One summary per model group over its deployments; wildcard groups per known model they serve",
    tags: ["models"],
    security: "key",
    query: modelGroupQuerySchema,
    response: modelGroupInfoListSchema,
    errors: [400, 401, 404, 500],
  },
];
