import { randomUUID } from "node:crypto";
import { ApiError } from "../errors/api-error.js";
import { deploymentFromStored } from "./deployment.js";
import type { ModelRegistry } from "./model-registry.js";
import type { Announce } from "../sync/announce.js";
import { DuplicateIdError } from "../sync/ports.js";
import type { ModelStore, StoredModel } from "./ports.js";
import { providerProblem } from "./providers.js";
import { restoreMaskedSecrets } from "./secret-fields.js";

// `null` anywhere in these inputs means "not given", as in LiteLLM (its request models are all Optional).

export interface NewModelInput {
  model_name: string;
  litellm_params: Record<string, unknown> & { model: string };
  model_info?: Record<string, unknown> | null;
}

/** Absent or `null` keeps what is stored; `""` in litellm_params or model_info removes that key. */
export interface ModelPatch {
  model_name?: string | null;
  litellm_params?: Record<string, unknown> | null;
  model_info?: Record<string, unknown> | null;
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
    // A LiteLLM provider we cannot call is stored, as LiteLLM stores it (and as config.yaml loads it).
    const problem = providerProblem(params);
    if (problem?.kind === "unknown_provider")
      throw ApiError.unsupportedProvider(problem.message, `litellm_params.${problem.field}`);
    if (problem?.kind === "missing_param") {
      throw ApiError.missingProviderParam(problem.provider, `litellm_params.${problem.field}`);
    }
  }

  function assertStoredEditable(id: string, action: "edited" | "deleted"): void {
    if (registry.isConfigId(id) && !registry.isStoredId(id)) {
      throw ApiError.configModelNotEditable(id, action);
    }
  }

  return {
    async create(input: NewModelInput, actor: string): Promise<StoredModel> {
      const litellmParams = withoutNulls(input.litellm_params);
      assertRoutable(litellmParams);
      const requestedId = input.model_info?.id;
      const modelInfo = userModelInfo(withoutNulls(input.model_info ?? {}));
      const id = typeof requestedId === "string" && requestedId !== "" ? requestedId : randomUUID();
      if (registry.isConfigId(id)) {
        throw ApiError.conflict(`A model with id ${id} is already defined in config.yaml`, "model_info.id");
      }
      let written;
      try {
        written = await store.create({ id, modelName: input.model_name, litellmParams, modelInfo }, actor);
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

/**
 * Keys /model/info and the write responses derive (id, db_model, callable, audit fields): a client that sends
 * back what it read must not store them as its own.
 */
const DERIVED_MODEL_INFO_KEYS = new Set([
  "id",
  "db_model",
  "callable",
  "not_callable_reason",
  "created_at",
  "created_by",
  "updated_at",
  "updated_by",
]);

function userModelInfo(info: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(info).filter(([key]) => !DERIVED_MODEL_INFO_KEYS.has(key)));
}

function withoutNulls(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null && value !== undefined));
}

/** LiteLLM's merge: a given value wins, `null` keeps the stored one; `""` is our way to remove a key. */
function merged(
  current: Readonly<Record<string, unknown>>,
  incoming: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(incoming)) {
    if (value === null || value === undefined) continue;
    if (value === "") delete out[key];
    else out[key] = value;
  }
  return out;
}

/** Key-by-key merge. A masked secret sent back unchanged (as read from /model/info) keeps the stored one. */
export function applyPatch(
  current: StoredModel,
  patch: ModelPatch,
  assertRoutable: (params: Record<string, unknown>) => void,
): StoredModel {
  const litellmParams = merged(
    current.litellmParams,
    restoreMaskedSecrets(patch.litellm_params ?? {}, current.litellmParams),
  );
  assertRoutable(litellmParams);
  return {
    ...current,
    modelName: patch.model_name ?? current.modelName,
    litellmParams,
    modelInfo: merged(current.modelInfo, userModelInfo(patch.model_info ?? {})),
  };
}
