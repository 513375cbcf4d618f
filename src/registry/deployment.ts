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

type Common = Pick<Deployment, "id" | "modelName" | "litellmParams" | "modelInfo">;

/** Provider and upstream name are derived once here, not on every request. */
function withRouting(model: Common): Common & Pick<Deployment, "provider" | "upstreamModel"> {
  const name = typeof model.litellmParams.model === "string" ? model.litellmParams.model : "";
  const { provider, upstreamModel } = parseModelString(name, model.litellmParams.custom_llm_provider);
  return { id: model.id, modelName: model.modelName, litellmParams: model.litellmParams, modelInfo: model.modelInfo, provider, upstreamModel };
}

export function deploymentFromConfig(model: ConfigModel): Deployment {
  return { ...withRouting(model), source: "config", missingEnv: model.missingEnv, revision: 0 };
}

export function deploymentFromStored(model: StoredModel): Deployment {
  return {
    ...withRouting(model),
    source: "db",
    missingEnv: [],
    revision: model.revision,
    audit: { createdAt: model.createdAt, createdBy: model.createdBy, updatedAt: model.updatedAt, updatedBy: model.updatedBy },
  };
}
