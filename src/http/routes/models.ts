import { type RequestHandler, Router } from "express";
import { ApiError } from "../../errors/api-error.js";
import type { ModelRegistry } from "../../registry/model-registry.js";
import { toOpenAiModel } from "../../registry/model-view.js";
import { callerOf } from "../middleware/auth.js";

/** OpenAI's model list and retrieve: one entry per model_name (a group of deployments). */
export function modelsRoutes({ registry }: { registry: ModelRegistry }, guard: RequestHandler[]): Router {
  const router = Router();

  router.get(["/v1/models", "/models"], ...guard, (_req, res) => {
    const { access } = callerOf(res);
    const data = registry
      .groupNames()
      .filter((name) => access.allows(name))
      .map((name) => toOpenAiModel(name, registry.group(name)));
    res.json({ object: "list", data });
  });

  // Model names may contain slashes ("openai/gpt-4o"), so the id is the rest of the path.
  router.get(["/v1/models/*name", "/models/*name"], ...guard, (req, res) => {
    const segments = (req.params as { name: string[] }).name;
    const name = segments.join("/");
    const members = registry.group(name);
    if (members.length === 0 || !callerOf(res).access.allows(name)) throw ApiError.modelNotFound(name);
    res.json(toOpenAiModel(name, members));
  });

  return router;
}
