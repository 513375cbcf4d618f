import type { ConfigModel } from "../config/config-file.js";
import type { MissingEnvRef } from "../config/env-refs.js";
import type { StoredModel } from "./ports.js";
import { parseModelString } from "./providers.js";

export type ModelSource = "config" | "db";

/** One routable deployment in the live view, from config.yaml or from the database. */
export interface Deployment {
  id: string;
  modelName: string;
  /** Plaintext, env refs resolved: what the proxy sends upstream. Never rendered unmasked. */
  litellmParams: Readonly<Record<string, unknown>>;
  /** What the user set (without id / db_model, which are derived). */
  modelInfo: Readonly<Record<string, unknown>>;
  source: ModelSource;
  provider: string;
  upstreamModel: string;
  /** Config only: `os.environ/` refs that were unset at load; calls fail naming them. */
  missingEnv: readonly MissingEnvRef[];
  revision: number;
  audit?: { createdAt: Date; createdBy: string; updatedAt: Date; updatedBy: string };
}

function routing(litellmParams: Record<string, unknown>) {
  const model = typeof litellmParams.model === "string" ? litellmParams.model : "";
  return parseModelString(model, litellmParams.custom_llm_provider);
}

export function deploymentFromConfig(model: ConfigModel): Deployment {
  const { provider, upstreamModel } = routing(model.litellmParams);
  return {
    id: model.id,
    modelName: model.modelName,
    litellmParams: model.litellmParams,
    modelInfo: model.modelInfo,
    source: "config",
    provider,
    upstreamModel,
    missingEnv: model.missingEnv,
    revision: 0,
  };
}

export function deploymentFromStored(model: StoredModel): Deployment {
  const { provider, upstreamModel } = routing(model.litellmParams);
  return {
    id: model.id,
    modelName: model.modelName,
    litellmParams: model.litellmParams,
    modelInfo: model.modelInfo,
    source: "db",
    provider,
    upstreamModel,
    missingEnv: [],
    revision: model.revision,
    audit: {
      createdAt: model.createdAt,
      createdBy: model.createdBy,
      updatedAt: model.updatedAt,
      updatedBy: model.updatedBy,
    },
  };
}
