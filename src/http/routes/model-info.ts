import { type RequestHandler, type Response, Router } from "express";
import { z } from "zod";
import type { CostMap } from "../../cost/cost-map.js";
import { ApiError } from "../../errors/api-error.js";
import type { Deployment } from "../../registry/deployment.js";
import { listModels } from "../../registry/model-listing.js";
import type { ModelRegistry } from "../../registry/model-registry.js";
import { type ModelInfoItem, toModelGroupInfo, toModelInfoItem } from "../views/model-view.js";
import { callerOf } from "../middleware/auth.js";
import { parseQuery } from "../validate.js";

export const modelInfoQuerySchema = z.object({ litellm_model_id: z.string().min(1).optional() });

export const modelInfoV2QuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(1000).default(50),
  model: z.string().min(1).optional().describe("Only the deployments of this model group (exact model_name)"),
  search: z.string().optional(),
  modelId: z.string().min(1).optional(),
  sortBy: z.enum(["model_name", "created_at", "updated_at", "costs"]).optional(),
  sortOrder: z.enum(["asc", "desc"]).default("asc"),
});

export const modelGroupQuerySchema = z.object({ model_group: z.string().min(1).optional() });

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

/** Read-only views of the merged registry: /model/info, /v2/model/info, /model_group/info. */
export function modelInfoRoutes({ registry, costMap }: ModelInfoDeps, guard: RequestHandler[]): Router {
  const router = Router();
  const render = (deployments: readonly Deployment[]) => deployments.map((d) => toModelInfoItem(d, costMap));
  /** What this caller may see: a virtual key sees only the groups it can call. */
  const visible = (res: Response) => {
    const { access } = callerOf(res);
    return registry.all().filter((d) => access.allows(d.modelName));
  };

  router.get(["/model/info", "/v1/model/info"], ...guard, (req, res) => {
    const { litellm_model_id: id } = parseQuery(modelInfoQuerySchema, req);
    if (id === undefined) {
      res.json({ data: render(visible(res)) });
      return;
    }
    const deployment = registry.byId(id);
    if (!deployment || !callerOf(res).access.allows(deployment.modelName)) {
      throw ApiError.notFound(`Model id ${id} not found`, "litellm_model_id");
    }
    res.json({ data: render([deployment]) });
  });

  router.get("/v2/model/info", ...guard, (req, res) => {
    const query = parseQuery(modelInfoV2QuerySchema, req);
    const deployments =
      query.model === undefined ? visible(res) : visible(res).filter((d) => d.modelName === query.model);
    let items = render(deployments);
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
    res.json({
      data: items.slice(start, start + query.size),
      total_count: total,
      current_page: query.page,
      total_pages: Math.ceil(total / query.size),
      size: query.size,
    });
  });

  // A wildcard group is summarised per model it expands to (`openai/*` → `openai/gpt-4o`, …), as LiteLLM does;
  // `?model_group=` takes any name the caller can call, the wildcard group's own name included.
  router.get(["/model_group/info", "/v1/model_group/info"], ...guard, (req, res) => {
    const { model_group: only } = parseQuery(modelGroupQuerySchema, req);
    const { access } = callerOf(res);
    if (only !== undefined) {
      const members = registry.resolve(only);
      if (members.length === 0 || !access.allows(only)) throw ApiError.modelNotFound(only);
      res.json({ data: [toModelGroupInfo(only, members, costMap)] });
      return;
    }
    const listed = listModels({ registry, modelsOf: (provider) => costMap.modelsOf(provider) }, access);
    res.json({ data: listed.map((model) => toModelGroupInfo(model.id, model.deployments, costMap)) });
  });

  return router;
}
