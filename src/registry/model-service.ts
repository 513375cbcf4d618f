import { randomUUID } from "node:crypto";
import { ApiError } from "../errors/api-error.js";
import { deploymentFromStored } from "./deployment.js";
import type { ModelRegistry } from "./model-registry.js";
import type { Announce } from "./announce.js";
import { DuplicateIdError, type ModelStore, type StoredModel } from "./ports.js";
import { isSupportedProvider, missingRequiredParam, parseModelString, unsupportedProviderMessage } from "./providers.js";
import { restoreMaskedSecrets } from "./secret-fields.js";

export interface NewModelInput {
  model_name: string;
  litellm_params: Record<string, unknown> & { model: string };
  model_info?: Record<string, unknown>;
}

/** `null` in litellm_params removes that key; absent keys are kept. */
export interface ModelPatch {
  model_name?: string;
  litellm_params?: Record<string, unknown>;
  model_info?: Record<string, unknown>;
}

export interface ModelServiceDeps {
  store: ModelStore;
  registry: ModelRegistry;
  announce: Announce;
}

/** Writes to stored deployments: commit, then announce (the model is served here before the response). */
export function createModelService(deps: ModelServiceDeps) {
  const { store, registry, announce } = deps;

  function assertRoutable(params: Record<string, unknown>): void {
    const model = params.model;
    if (typeof model !== "string" || model.trim() === "") throw ApiError.missingField("litellm_params.model");
    const { provider } = parseModelString(model, params.custom_llm_provider);
    if (!isSupportedProvider(provider)) {
      throw ApiError.badRequest(unsupportedProviderMessage(provider), "litellm_params.model", "unsupported_provider");
    }
    const missing = missingRequiredParam(provider, params);
    if (missing) throw ApiError.badRequest(`${provider} deployments need litellm_params.${missing}`, `litellm_params.${missing}`, "missing_required_field");
  }

  function assertStoredEditable(id: string, action: string): void {
    if (registry.isConfigId(id) && !registry.isStoredId(id)) {
      throw ApiError.badRequest(
        `Model ${id} is defined in config.yaml and cannot be ${action} over the API. Edit config.yaml, or add a model with /model/new.`,
        "id",
        "config_model",
      );
    }
  }

  return {
    async create(input: NewModelInput, actor: string): Promise<StoredModel> {
      assertRoutable(input.litellm_params);
      const { id: requestedId, ...modelInfo } = input.model_info ?? {};
      const id = typeof requestedId === "string" && requestedId !== "" ? requestedId : randomUUID();
      if (registry.isConfigId(id)) {
        throw ApiError.conflict(`A model with id ${id} is already defined in config.yaml`, "model_info.id");
      }
      let written;
      try {
        written = await store.create(
          { id, modelName: input.model_name, litellmParams: input.litellm_params, modelInfo },
          actor,
        );
      } catch (error) {
        if (error instanceof DuplicateIdError) {
          throw ApiError.conflict(`A model with id ${id} already exists`, "model_info.id");
        }
        throw error;
      }
      await announce(written.change, () => registry.upsertStored(deploymentFromStored(written.model)));
      return written.model;
    },

    async update(id: string, patch: ModelPatch, actor: string): Promise<StoredModel> {
      assertStoredEditable(id, "edited");
      const written = await store.update(id, (current) => applyPatch(current, patch, assertRoutable), actor);
      if (!written) throw ApiError.notFound(`Model ${id} not found`, "id");
      await announce(written.change, () => registry.upsertStored(deploymentFromStored(written.model)));
      return written.model;
    },

    async delete(id: string, actor: string): Promise<void> {
      assertStoredEditable(id, "deleted");
      const change = await store.delete(id, actor);
      if (!change) throw ApiError.notFound(`Model ${id} not found`, "id");
      await announce(change, () => registry.removeStored(id));
    },
  };
}

export type ModelService = ReturnType<typeof createModelService>;

/** Key-by-key merge. A masked secret sent back unchanged (as read from /model/info) keeps the stored one. */
export function applyPatch(
  current: StoredModel,
  patch: ModelPatch,
  assertRoutable: (params: Record<string, unknown>) => void,
): StoredModel {
  const litellmParams: Record<string, unknown> = { ...current.litellmParams };
  const incoming = restoreMaskedSecrets(patch.litellm_params ?? {}, current.litellmParams);
  for (const [key, value] of Object.entries(incoming)) {
    if (value === null) delete litellmParams[key];
    else litellmParams[key] = value;
  }
  assertRoutable(litellmParams);
  const { id: _ignoredId, ...infoPatch } = patch.model_info ?? {};
  return {
    ...current,
    modelName: patch.model_name ?? current.modelName,
    litellmParams,
    modelInfo: { ...current.modelInfo, ...infoPatch },
  };
}
