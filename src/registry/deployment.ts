import type { StoredModel } from "./ports.js";
import { isSupportedProvider, parseModelString } from "./providers.js";

export type ModelSource = "config" | "db";

/** A config setting whose `os.environ/` variable was unset when the config loaded. */
export interface MissingEnvRef {
  /** Where the reference stands, e.g. `litellm_params.api_key`. */
  field: string;
  variable: string;
}

/** What a config.yaml entry brings to the registry, env refs already resolved (config/ builds it). */
export interface ConfigDeployment {
  id: string;
  modelName: string;
  litellmParams: Record<string, unknown>;
  modelInfo: Record<string, unknown>;
  missingEnv: readonly MissingEnvRef[];
}

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
  /** False for a LiteLLM provider Switchboard has no adapter for: listed like any other, refused when called. */
  callable: boolean;
  /** Config only: `os.environ/` refs that were unset at load; calls fail naming them. */
  missingEnv: readonly MissingEnvRef[];
  revision: number;
  audit?: { createdAt: Date; createdBy: string; updatedAt: Date; updatedBy: string };
}

type Common = Pick<Deployment, "id" | "modelName" | "litellmParams" | "modelInfo">;

/**
 * Provider and upstream name are derived once here, not on every request. One object literal with every field, in
 * one order, so that all deployments share one hidden class: built by spreading, each of 10,000 deployments got a
 * hidden class of its own (~3.5 MB).
 */
function deployment(
  model: Common,
  source: ModelSource,
  missingEnv: readonly MissingEnvRef[],
  revision: number,
  audit: Deployment["audit"],
): Deployment {
  const name = typeof model.litellmParams.model === "string" ? model.litellmParams.model : "";
  const { provider, upstreamModel } = parseModelString(name, model.litellmParams.custom_llm_provider);
  return {
    id: model.id,
    modelName: model.modelName,
    litellmParams: model.litellmParams,
    modelInfo: model.modelInfo,
    source,
    provider,
    upstreamModel,
    callable: isSupportedProvider(provider),
    missingEnv,
    revision,
    audit,
  };
}

export function deploymentFromConfig(model: ConfigDeployment): Deployment {
  return deployment(model, "config", model.missingEnv, 0, undefined);
}

const NO_MISSING_ENV: readonly MissingEnvRef[] = Object.freeze([]);

export function deploymentFromStored(model: StoredModel): Deployment {
  return deployment(model, "db", NO_MISSING_ENV, model.revision, {
    createdAt: model.createdAt,
    createdBy: model.createdBy,
    updatedAt: model.updatedAt,
    updatedBy: model.updatedBy,
  });
}

/**
 * The members a call may be routed to: a group mixing callable and not-callable deployments routes only to the
 * callable ones (no retry is spent on a deployment that cannot answer); an all-not-callable group is returned
 * as is, so the call gets the clear unsupported_provider error. Allocates nothing in the common case.
 */
export function preferCallable(members: readonly Deployment[]): readonly Deployment[] {
  if (members.every((d) => d.callable) || members.every((d) => !d.callable)) return members;
  return members.filter((d) => d.callable);
}

/** The deployment's `model_info.access_groups` names (LiteLLM's access groups); anything else there is ignored. */
export function accessGroupsOf(deployment: Deployment): string[] {
  const groups = deployment.modelInfo.access_groups;
  return Array.isArray(groups) ? groups.filter((name): name is string => typeof name === "string") : [];
}
