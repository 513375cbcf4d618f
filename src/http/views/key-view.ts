import { METADATA_FIELDS } from "../../keys/key-options.js";
import type { VirtualKey } from "../../keys/virtual-key.js";

/**
 * A key as every endpoint shows it, under LiteLLM's field names: by token, never the raw key. `spend` is the
 * cluster-wide figure when the caller has one (the key object's own may be older).
 */
export function toKeyInfo(key: VirtualKey, spend = key.spend) {
  return {
    token: key.token,
    key_name: key.keyName,
    key_alias: key.keyAlias,
    models: key.models,
    metadata: key.metadata,
    max_parallel_requests: key.maxParallelRequests,
    expires: key.expires?.toISOString() ?? null,
    blocked: key.blocked,
    spend,
    user_id: key.userId,
    team_id: key.teamId,
    organization_id: key.organizationId,
    max_budget: key.maxBudget,
    soft_budget: key.softBudget,
    budget_duration: key.budgetDuration,
    budget_reset_at: key.budgetResetAt?.toISOString() ?? null,
    tpm_limit: key.tpmLimit,
    rpm_limit: key.rpmLimit,
    model_max_budget: key.modelMaxBudget,
    aliases: key.aliases,
    config: key.config,
    permissions: key.permissions,
    allowed_cache_controls: key.allowedCacheControls,
    allowed_routes: key.allowedRoutes,
    created_at: key.createdAt.toISOString(),
    created_by: key.createdBy,
    updated_at: key.updatedAt.toISOString(),
    updated_by: key.updatedBy,
  };
}

type MetadataField = (typeof METADATA_FIELDS)[number];

// Fields of LiteLLM's GenerateKeyResponse for things Switchboard has none of (budget tables, projects, agents, ...).
const UNTRACKED = {
  budget_id: null,
  litellm_budget_table: null,
  project_id: null,
  agent_id: null,
  policies: null,
  prompts: null,
  object_permission: null,
  router_settings: null,
  rpm_limit_type: null,
  tpm_limit_type: null,
  allowed_passthrough_routes: null,
  allowed_vector_store_indexes: null,
  access_group_ids: null,
} as const;

/**
 * /key/generate's answer, shaped like LiteLLM's GenerateKeyResponse: `key` is the raw key (this response is the
 * only place it ever appears), `token` and `token_id` its hash; the fields LiteLLM keeps in metadata are shown
 * at the top level too.
 */
export function toGeneratedKey(rawKey: string, key: VirtualKey, duration: string | null) {
  const fromMetadata = Object.fromEntries(
    METADATA_FIELDS.map((field) => [field, key.metadata[field] ?? null]),
  ) as Record<MetadataField, unknown>;
  return { key: rawKey, ...toKeyInfo(key), token_id: key.token, duration, ...fromMetadata, ...UNTRACKED };
}
