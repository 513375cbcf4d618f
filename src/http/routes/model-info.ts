import { z } from "zod";
import type { CostMap } from "../../cost/cost-map.js";
import { idSchema, labelSchema, nameSchema } from "../../config/names.js";
import { ApiError } from "../../errors/api-error.js";
import type { Deployment } from "../../registry/deployment.js";
import { listModels } from "../../registry/model-listing.js";
import type { ModelRegistry } from "../../registry/model-registry.js";
import { type Audience, type ModelInfoItem, toModelGroupInfo, toModelInfoItem } from "../views/model-view.js";
import type { Caller } from "../middleware/auth.js";
import type { Assert, Fits } from "../openapi/json-schema.js";
import { defineRoute } from "../route.js";

export const modelInfoQuerySchema = z.object({ litellm_model_id: idSchema.optional() });

export const modelInfoV2QuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(1000).default(50),
  model: nameSchema.optional().describe("Only the deployments of this model group (exact model_name)"),
  search: labelSchema.optional(),
  modelId: idSchema.optional(),
  sortBy: z.enum(["model_name", "created_at", "updated_at", "costs"]).optional(),
  sortOrder: z.enum(["asc", "desc"]).default("asc"),
});

export const modelGroupQuerySchema = z.object({ model_group: nameSchema.optional() });

const nullableNumber = z.number().nullable();

/** Secrets (api_key and the like, header values, api_base credentials) are masked in every response. */
export const litellmParamsResponseSchema = z
  .looseObject({ model: z.string() })
  .describe(
    "The deployment's litellm_params, every secret masked (api_key and other secret-named fields, every header " +
      "value, the user info and query values of api_base). A virtual key sees only model, custom_llm_provider, " +
      "mode, rpm, tpm, max_parallel_requests, timeout and stream_timeout.",
  );

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

// Compile-time: what the view function returns must validate against what is documented.
export type ModelGroupInfoCheck = Assert<Fits<ReturnType<typeof toModelGroupInfo>, typeof modelGroupInfoSchema>>;

export const modelInfoComponents = {
  ModelInfoItem: modelInfoItemSchema,
  ModelInfoList: modelInfoListSchema,
  ModelInfoPage: modelInfoPageSchema,
  ModelGroupInfo: modelGroupInfoSchema,
  ModelGroupInfoList: modelGroupInfoListSchema,
};

export interface ModelInfoDeps {
  registry: ModelRegistry;
  costMap: CostMap;
}

type SortKey = NonNullable<z.infer<typeof modelInfoV2QuerySchema>["sortBy"]>;

function sortValue(item: ModelInfoItem, key: SortKey): string | number {
  const info = item.model_info;
  switch (key) {
    case "model_name":
      return item.model_name;
    case "created_at":
    case "updated_at":
      return typeof info[key] === "string" ? info[key] : "";
    case "costs":
      return (Number(info.input_cost_per_token) || 0) + (Number(info.output_cost_per_token) || 0);
  }
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function render(deployments: readonly Deployment[], costMap: CostMap, caller: Caller): ModelInfoItem[] {
  const audience: Audience = caller.kind === "master" ? "master" : "virtual";
  return deployments.map((d) => toModelInfoItem(d, costMap, audience));
}

/** What this caller may see: a virtual key sees only the groups it can call. */
function visible(registry: ModelRegistry, caller: Caller): Deployment[] {
  return registry.all().filter((d) => caller.access.allows(d.modelName));
}

/** Read-only views of the merged registry: /model/info, /v2/model/info, /model_group/info. */
export const modelInfoRoutes = [
  defineRoute({
    method: "get",
    path: "/model/info",
    aliases: ["/v1/model/info"],
    summary: "Every deployment with its litellm_params and enriched model_info",
    tags: ["models"],
    security: "key",
    fresh: true,
    query: modelInfoQuerySchema,
    response: modelInfoListSchema,
    errors: [400, 401, 404, 500],
    handler: ({ query, caller }, { registry, costMap }: ModelInfoDeps) => {
      const id = query.litellm_model_id;
      if (id === undefined) return { data: render(visible(registry, caller), costMap, caller) };
      const deployment = registry.byId(id);
      if (!deployment || !caller.access.allows(deployment.modelName)) {
        throw ApiError.notFound(`Model id ${id} not found`, "litellm_model_id");
      }
      return { data: render([deployment], costMap, caller) };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v2/model/info",
    summary: "Deployments, paged, filtered and sorted",
    tags: ["models"],
    security: "key",
    fresh: true,
    query: modelInfoV2QuerySchema,
    response: modelInfoPageSchema,
    errors: [400, 401, 500],
    handler: ({ query, caller }, { registry, costMap }: ModelInfoDeps) => {
      const deployments = visible(registry, caller).filter(
        (d) => query.model === undefined || d.modelName === query.model,
      );
      let items = render(deployments, costMap, caller);
      if (query.modelId) items = items.filter((item) => item.model_info.id === query.modelId);
      if (query.search) {
        const needle = query.search.toLowerCase();
        items = items.filter((item) => item.model_name.toLowerCase().includes(needle));
      }
      if (query.sortBy) {
        const key = query.sortBy;
        const direction = query.sortOrder === "desc" ? -1 : 1;
        items = [...items].sort((a, b) => direction * compare(sortValue(a, key), sortValue(b, key)));
      }
      const total = items.length;
      const start = (query.page - 1) * query.size;
      return {
        data: items.slice(start, start + query.size),
        total_count: total,
        current_page: query.page,
        total_pages: Math.ceil(total / query.size),
        size: query.size,
      };
    },
  }),
  // A wildcard group is summarised per model it expands to (`openai/*` → `openai/gpt-4o`, …), as LiteLLM does;
  // `?model_group=` takes any name the caller can call, the wildcard group's own name included.
  defineRoute({
    method: "get",
    path: "/model_group/info",
    aliases: ["/v1/model_group/info"],
    summary: "One summary per model group over its deployments; wildcard groups per known model they serve",
    tags: ["models"],
    security: "key",
    fresh: true,
    query: modelGroupQuerySchema,
    response: modelGroupInfoListSchema,
    errors: [400, 401, 404, 500],
    handler: ({ query, caller }, { registry, costMap }: ModelInfoDeps) => {
      const only = query.model_group;
      if (only !== undefined) {
        const members = registry.resolve(only);
        if (members.length === 0 || !caller.access.allows(only)) throw ApiError.modelNotFound(only);
        return { data: [toModelGroupInfo(only, members, costMap)] };
      }
      const listed = listModels({ registry, modelsOf: (provider) => costMap.modelsOf(provider) }, caller.access);
      return { data: listed.map((model) => toModelGroupInfo(model.id, model.deployments, costMap)) };
    },
  }),
];
