import { z } from "zod";
import type { CostMap } from "../../cost/cost-map.js";
import { nameSchema } from "../../config/names.js";
import { ApiError } from "../../errors/api-error.js";
import { listModels } from "../../registry/model-listing.js";
import type { ModelRegistry } from "../../registry/model-registry.js";
import { toOpenAiModel } from "../views/model-view.js";
import type { Assert, Fits } from "../openapi/json-schema.js";
import { defineRoute } from "../route.js";
import { parseJson } from "../validate.js";

const TRUE_WORDS = ["true", "t", "1", "yes", "y", "on"];
const FALSE_WORDS = ["false", "f", "0", "no", "n", "off"];

/** A query flag as FastAPI (pydantic) reads a bool: true/false, 1/0, yes/no, on/off, t/f, y/n, any case. */
const queryFlag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum([...TRUE_WORDS, ...FALSE_WORDS]))
  .transform((value) => TRUE_WORDS.includes(value))
  .optional();

export const modelListQuerySchema = z.object({
  return_wildcard_routes: queryFlag.describe("Also list the wildcard routes themselves (`openai/*`)"),
  include_model_access_groups: queryFlag.describe("Also list access-group names"),
  only_model_access_groups: queryFlag.describe("List only access-group names (with include_model_access_groups=true)"),
});

/** The model named in the path, under the one rule for names. */
const nameParamSchema = z.object({ name: nameSchema });

export const openAiModelSchema = z.object({
  id: z.string().describe("A name callers send as `model`: a model_name, or a model a wildcard deployment serves"),
  object: z.literal("model"),
  created: z.number().int(),
  owned_by: z.string(),
});

const modelListSchema = z.object({ object: z.literal("list"), data: z.array(openAiModelSchema) });

// Compile-time: what the view function returns must validate against what is documented.
export type OpenAiModelCheck = Assert<Fits<ReturnType<typeof toOpenAiModel>, typeof openAiModelSchema>>;

export const modelsComponents = {
  Model: openAiModelSchema,
  ModelList: modelListSchema,
};

export interface ModelsDeps {
  registry: ModelRegistry;
  costMap: Pick<CostMap, "modelsOf">;
}

/** OpenAI's model list and retrieve: one entry per model name a caller can call. */
export const modelsRoutes = [
  defineRoute({
    method: "get",
    path: "/v1/models",
    aliases: ["/models"],
    summary: "List models (OpenAI): model groups, then the known models each wildcard deployment serves",
    tags: ["models"],
    security: "key",
    fresh: true,
    query: modelListQuerySchema,
    response: modelListSchema,
    errors: [400, 401, 500],
    handler: ({ query, caller }, { registry, costMap }: ModelsDeps) => {
      const sources = { registry, modelsOf: (provider: string) => costMap.modelsOf(provider) };
      const listed = listModels(sources, caller.access, {
        returnWildcardRoutes: query.return_wildcard_routes,
        includeAccessGroups: query.include_model_access_groups,
        onlyAccessGroups: query.only_model_access_groups,
      });
      return { object: "list", data: listed.map((model) => toOpenAiModel(model.id, model.deployments)) };
    },
  }),
  // Model names may contain slashes ("openai/gpt-4o"), so the name is the rest of the path. A name served by a
  // wildcard deployment answers too: it is a model the caller can call.
  defineRoute({
    method: "get",
    path: "/v1/models/{name}",
    aliases: ["/models/{name}"],
    summary: "Retrieve one model (OpenAI)",
    tags: ["models"],
    security: "key",
    fresh: true,
    params: {
      name: "A model name the caller can call; it may contain slashes (`openai/gpt-4o`), which are sent unencoded",
    },
    restParam: "name",
    response: openAiModelSchema,
    errors: [400, 401, 404, 500],
    handler: ({ params, caller }, { registry }: ModelsDeps) => {
      const { name } = parseJson(nameParamSchema, params);
      const members = registry.resolve(name);
      if (members.length === 0 || !caller.access.allows(name)) throw ApiError.modelNotFound(name);
      return toOpenAiModel(name, members);
    },
  }),
];
