import { ApiError } from "../errors/api-error.js";
import { nextBudgetReset } from "./budget-period.js";
import { type KeySettings, parseDuration } from "./virtual-key.js";

/**
 * The settings /key/generate and /key/update take, under LiteLLM's names. Every one may be null, as LiteLLM's
 * clients send it: on generate null means "not given"; on update see editedKeySettings.
 */
export interface KeyOptions {
  key_alias?: string | null;
  duration?: string | null;
  models?: string[] | null;
  metadata?: Record<string, unknown> | null;
  max_parallel_requests?: number | null;
  blocked?: boolean | null;
  user_id?: string | null;
  team_id?: string | null;
  organization_id?: string | null;
  spend?: number | null;
  max_budget?: number | null;
  soft_budget?: number | null;
  budget_duration?: string | null;
  tpm_limit?: number | null;
  rpm_limit?: number | null;
  model_max_budget?: Record<string, unknown> | null;
  aliases?: Record<string, unknown> | null;
  config?: Record<string, unknown> | null;
  permissions?: Record<string, unknown> | null;
  allowed_cache_controls?: unknown[] | null;
  allowed_routes?: unknown[] | null;
  tags?: string[] | null;
  guardrails?: string[] | null;
  enforced_params?: string[] | null;
  model_rpm_limit?: Record<string, number> | null;
  model_tpm_limit?: Record<string, number> | null;
}

export const KEY_TYPES = ["llm_api", "management", "read_only", "default"] as const;
type KeyType = (typeof KEY_TYPES)[number];

/** /key/generate also takes the raw key itself and a key type. */
export interface NewKeyOptions extends KeyOptions {
  key?: string | null;
  key_type?: KeyType | null;
}

/** LiteLLM keeps these request fields inside the key's metadata, where its UI and its limit checks read them. */
export const METADATA_FIELDS = ["tags", "guardrails", "enforced_params", "model_rpm_limit", "model_tpm_limit"] as const;

/** LiteLLM turns key_type into allowed_routes; "default" leaves them as given. */
const KEY_TYPE_ROUTES: Partial<Record<KeyType, string[]>> = {
  llm_api: ["llm_api_routes"],
  management: ["management_routes"],
  read_only: ["info_routes"],
};

function withMetadataFields(metadata: Record<string, unknown>, options: KeyOptions): Record<string, unknown> {
  const merged = { ...metadata };
  for (const field of METADATA_FIELDS) {
    const value = options[field];
    if (value !== undefined && value !== null) merged[field] = value;
  }
  return merged;
}

function durationMs(text: string, param: string): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw ApiError.badRequest(`${param} "${text}" is not like 30s, 10m, 12h, 30d, 2w or 1mo`, param);
  return ms;
}

/** `duration` from now; null and LiteLLM's older "-1" mean the key never expires. */
function expiresAfter(duration: string | null, now: number): Date | null {
  if (duration === null || duration.trim() === "-1") return null;
  const expires = new Date(now + durationMs(duration, "duration"));
  // Date's range ends in the year 275760; a duration past it is as wrong as a malformed one.
  if (!Number.isFinite(expires.getTime()) || expires.getUTCFullYear() > 9999) {
    throw ApiError.badRequest(`duration "${duration}" is longer than a few thousand years`, "duration");
  }
  return expires;
}

/**
 * The budget period: the duration as given and, as LiteLLM's /key/generate and /key/update set it, when the budget
 * first resets. null clears both (the budget then never resets).
 */
function budgetPeriod(text: string | null, now: number): Pick<KeySettings, "budgetDuration" | "budgetResetAt"> {
  if (text === null) return { budgetDuration: null, budgetResetAt: null };
  durationMs(text, "budget_duration");
  const resetAt = nextBudgetReset(text, new Date(now));
  if (!resetAt) throw ApiError.badRequest(`budget_duration "${text}" must be a positive duration`, "budget_duration");
  return { budgetDuration: text, budgetResetAt: resetAt };
}

/** A new key's settings; every field not given (or null) takes the value of a key generated without it. */
export function newKeySettings(options: NewKeyOptions, now: number): KeySettings {
  const routesOfType = options.key_type ? KEY_TYPE_ROUTES[options.key_type] : undefined;
  return {
    keyAlias: options.key_alias ?? null,
    models: options.models ?? [],
    metadata: withMetadataFields(options.metadata ?? {}, options),
    maxParallelRequests: options.max_parallel_requests ?? null,
    expires: expiresAfter(options.duration ?? null, now),
    blocked: options.blocked ?? null,
    userId: options.user_id ?? null,
    teamId: options.team_id ?? null,
    organizationId: options.organization_id ?? null,
    spend: options.spend ?? 0,
    maxBudget: options.max_budget ?? null,
    softBudget: options.soft_budget ?? null,
    ...budgetPeriod(options.budget_duration ?? null, now),
    tpmLimit: options.tpm_limit ?? null,
    rpmLimit: options.rpm_limit ?? null,
    modelMaxBudget: options.model_max_budget ?? {},
    aliases: options.aliases ?? {},
    config: options.config ?? {},
    permissions: options.permissions ?? {},
    allowedCacheControls: options.allowed_cache_controls ?? [],
    allowedRoutes: routesOfType ?? options.allowed_routes ?? [],
  };
}

/** Absent: unchanged. Null: back to unset, as LiteLLM writes an explicit null (no alias, no limit, no expiry). */
function single<T>(given: T | null | undefined, current: T | null): T | null {
  return given === undefined ? current : given;
}

/** Absent or null: unchanged (LiteLLM's columns for these cannot hold null, and `models: []` would widen access). */
function whole<T>(given: T | null | undefined, current: T): T {
  return given ?? current;
}

/**
 * An edited key's settings: a given list or object replaces the old one whole (`metadata` is not merged), then
 * the metadata fields given beside it are written into it, as LiteLLM's /key/update does.
 */
export function editedKeySettings(current: KeySettings, options: KeyOptions, now: number): KeySettings {
  return {
    keyAlias: single(options.key_alias, current.keyAlias),
    models: whole(options.models, current.models),
    metadata: withMetadataFields(whole(options.metadata, current.metadata), options),
    maxParallelRequests: single(options.max_parallel_requests, current.maxParallelRequests),
    expires: options.duration === undefined ? current.expires : expiresAfter(options.duration, now),
    blocked: single(options.blocked, current.blocked),
    userId: single(options.user_id, current.userId),
    teamId: single(options.team_id, current.teamId),
    organizationId: single(options.organization_id, current.organizationId),
    spend: whole(options.spend, current.spend),
    maxBudget: single(options.max_budget, current.maxBudget),
    softBudget: single(options.soft_budget, current.softBudget),
    ...(options.budget_duration === undefined
      ? { budgetDuration: current.budgetDuration, budgetResetAt: current.budgetResetAt }
      : budgetPeriod(options.budget_duration, now)),
    tpmLimit: single(options.tpm_limit, current.tpmLimit),
    rpmLimit: single(options.rpm_limit, current.rpmLimit),
    modelMaxBudget: whole(options.model_max_budget, current.modelMaxBudget),
    aliases: whole(options.aliases, current.aliases),
    config: whole(options.config, current.config),
    permissions: whole(options.permissions, current.permissions),
    allowedCacheControls: whole(options.allowed_cache_controls, current.allowedCacheControls),
    allowedRoutes: whole(options.allowed_routes, current.allowedRoutes),
  };
}
