import { z } from "zod";
import type { CostMap } from "../../cost/cost-map.js";
import { idSchema, labelSchema, nameSchema } from "../../config/names.js";
import { ApiError } from "../../errors/api-error.js";
import type { Deployment } from "../../registry/deployment.js";
import { listModels } from "../../registry/model-listing.js";
import type { ModelRegistry } from "../../registry/model-registry.js";
import {
  type Audience,
  type ModelInfoItem,
  type ModelViews,
  modelViewsFor,
  sortFieldsOf,
  type toModelGroupInfo,
} from "../views/model-view.js";
import type { Caller } from "../middleware/auth.js";
import type { Assert, Fits } from "../openapi/json-schema.js";
import { defineRoute } from "../route.js";

export const modelInfoQuerySchema = z.object({ litellm_model_id: idSchema.optional() });

export const modelInfoV2QuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(1000).default(50),
  model: nameSchema.optional().describe("Only the deployments of this model group (exact model_name)"),
  search: labelSchema
    .optional()
    .describe("Case-insensitive: the deployments whose model_name contains it (as LiteLLM)"),
  provider: labelSchema
    .optional()
    .describe("Switchboard's own (LiteLLM has none): only the deployments of this provider (`openai`, `groq`, …)"),
  source: z
    .enum(["config", "db"])
    .optional()
    .describe("Switchboard's own: only the deployments from config.yaml (`config`) or stored ones (`db`, db_model)"),
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

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function audienceOf(caller: Caller): Audience {
  return caller.kind === "master" ? "master" : "virtual";
}

function render(deployments: readonly Deployment[], views: ModelViews, caller: Caller): ModelInfoItem[] {
  const audience = audienceOf(caller);
  return deployments.map((d) => views.item(d, audience));
}

/** What this caller may see: a virtual key sees only the groups it can call. */
function visible(deployments: readonly Deployment[], caller: Caller): readonly Deployment[] {
  return caller.kind === "master" ? deployments : deployments.filter((d) => caller.access.allows(d.modelName));
}

// Sorted orders of one registry snapshot (its all() array, replaced on every change): sorting 10,000 deployments
// is done once per change and sort key, not on every page.
const sortedBySnapshot = new WeakMap<readonly Deployment[], Map<string, readonly Deployment[]>>();

function sortedDeployments(
  all: readonly Deployment[],
  key: SortKey,
  order: "asc" | "desc",
  costMap: CostMap,
): readonly Deployment[] {
  let orders = sortedBySnapshot.get(all);
  if (!orders) sortedBySnapshot.set(all, (orders = new Map<string, readonly Deployment[]>()));
  const cacheKey = `${key}:${order}`;
  let sorted = orders.get(cacheKey);
  if (!sorted) {
    const direction = order === "desc" ? -1 : 1;
    const value = (d: Deployment) => (key === "model_name" ? d.modelName : sortFieldsOf(d, costMap)[key]);
    const keyed = all.map((d, index) => ({ d, index, value: value(d) }));
    // Ties keep registry order, in both directions (as the stable sort of the rendered list did).
    keyed.sort((a, b) => direction * compare(a.value, b.value) || a.index - b.index);
    orders.set(cacheKey, (sorted = keyed.map((entry) => entry.d)));
  }
  return sorted;
}

/** The deployments a /v2/model/info query selects, in its order; rendered only once paged. */
function selected(
  registry: ModelRegistry,
  costMap: CostMap,
  query: z.infer<typeof modelInfoV2QuerySchema>,
  caller: Caller,
): readonly Deployment[] {
  const all = registry.all();
  let deployments = query.sortBy ? sortedDeployments(all, query.sortBy, query.sortOrder, costMap) : all;
  deployments = visible(deployments, caller);
  const { model, modelId, search, provider, source } = query;
  const needle = search?.toLowerCase();
  if (model !== undefined || modelId || needle || provider || source) {
    deployments = deployments.filter(
      (d) =>
        (model === undefined || d.modelName === model) &&
        (!modelId || d.id === modelId) &&
        (!needle || d.modelName.toLowerCase().includes(needle)) &&
        (!provider || d.provider === provider) &&
        (!source || d.source === source),
    );
  }
  return deployments;
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
      const views = modelViewsFor(costMap);
      const id = query.litellm_model_id;
      if (id === undefined) return { data: render(visible(registry.all(), caller), views, caller) };
      const deployment = registry.byId(id);
      if (!deployment || !caller.access.allows(deployment.modelName)) {
        throw ApiError.notFound(`Model id ${id} not found`, "litellm_model_id");
      }
      return { data: render([deployment], views, caller) };
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
      const deployments = selected(registry, costMap, query, caller);
      const total = deployments.length;
      const start = (query.page - 1) * query.size;
      return {
        data: render(deployments.slice(start, start + query.size), modelViewsFor(costMap), caller),
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
      const views = modelViewsFor(costMap);
      const only = query.model_group;
      if (only !== undefined) {
        const members = registry.resolve(only);
        if (members.length === 0 || !caller.access.allows(only)) throw ApiError.modelNotFound(only);
        return { data: [views.groupInfo(only, members)] };
      }
      const listed = listModels({ registry, modelsOf: (provider) => costMap.modelsOf(provider) }, caller.access);
      return { data: listed.map((model) => views.groupInfo(model.id, model.deployments)) };
    },
  }),
];
