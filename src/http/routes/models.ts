import { type RequestHandler, Router } from "express";
import { z } from "zod";
import type { CostMap } from "../../cost/cost-map.js";
import { ApiError } from "../../errors/api-error.js";
import { listModels } from "../../registry/model-listing.js";
import type { ModelRegistry } from "../../registry/model-registry.js";
import { toOpenAiModel } from "../views/model-view.js";
import { callerOf } from "../middleware/auth.js";
import { parseQuery } from "../validate.js";

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

export interface ModelsDeps {
  registry: ModelRegistry;
  costMap: Pick<CostMap, "modelsOf">;
}

/** OpenAI's model list and retrieve: one entry per model name a caller can call. */
export function modelsRoutes({ registry, costMap }: ModelsDeps, guard: RequestHandler[]): Router {
  const router = Router();
  const sources = { registry, modelsOf: (provider: string) => costMap.modelsOf(provider) };

  router.get(["/v1/models", "/models"], ...guard, (req, res) => {
    const query = parseQuery(modelListQuerySchema, req);
    const listed = listModels(sources, callerOf(res).access, {
      returnWildcardRoutes: query.return_wildcard_routes,
      includeAccessGroups: query.include_model_access_groups,
      onlyAccessGroups: query.only_model_access_groups,
    });
    res.json({ object: "list", data: listed.map((model) => toOpenAiModel(model.id, model.deployments)) });
  });

  // Model names may contain slashes ("openai/gpt-4o"), so the id is the rest of the path. A name served by a
  // wildcard deployment answers too: it is a model the caller can call.
  router.get(["/v1/models/*name", "/models/*name"], ...guard, (req, res) => {
    const segments = (req.params as { name: string[] }).name;
    const name = segments.join("/");
    const members = registry.resolve(name);
    if (members.length === 0 || !callerOf(res).access.allows(name)) throw ApiError.modelNotFound(name);
    res.json(toOpenAiModel(name, members));
  });

  return router;
}
