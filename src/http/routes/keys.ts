import { z } from "zod";
import { labelSchema, rejectNul } from "../../config/names.js";
import { ApiError } from "../../errors/api-error.js";
import type { KeyRegistry } from "../../keys/key-registry.js";
import { KEY_TYPES } from "../../keys/key-options.js";
import { type KeyService, tokenOf } from "../../keys/key-service.js";
import { toGeneratedKey, toKeyInfo } from "../views/key-view.js";
import type { VirtualKey } from "../../keys/virtual-key.js";
import type { SpendService } from "../../spend/spend-service.js";
import type { Caller } from "../middleware/auth.js";
import type { Assert, Fits } from "../openapi/json-schema.js";
import { defineRoute } from "../route.js";

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** LiteLLM refuses negative budgets ("max_budget cannot be negative"). */
const amount = z.number().min(0);
const object = z.record(z.string(), z.unknown());
/** Keys, aliases and ids are kept exactly as sent (no trimming), within the one rule for names (config/names.ts). */
const given = labelSchema.min(1);
const perModelLimits = z.record(z.string(), count);

// Every field is optional and nullable, as in LiteLLM's request models (its clients send explicit nulls). Fields
// LiteLLM takes that are not listed here are accepted and ignored, as pydantic ignores unknown fields there.
const keySettingFields = {
  key_alias: given.nullish(),
  duration: given.nullish().describe('30s, 10m, 12h, 30d, 2w, 1mo; null or "-1": never expires'),
  models: z.array(given).nullish(),
  metadata: object.nullish(),
  max_parallel_requests: count.nullish().describe("0 refuses every call of the key"),
  blocked: z.boolean().nullish().describe("A blocked key is refused with 401"),
  user_id: labelSchema.nullish(),
  team_id: labelSchema.nullish(),
  organization_id: labelSchema.nullish(),
  spend: amount.nullish(),
  // LiteLLM's UI sends an empty budget as "".
  max_budget: z
    .union([amount, z.literal("")])
    .nullish()
    .transform((value) => (value === "" ? null : value)),
  soft_budget: amount.nullish(),
  budget_duration: given
    .nullish()
    .describe("30s, 1h, 1d (midnight UTC), 7d (Monday), 30d (the 1st); sets budget_reset_at; null: never resets"),
  tpm_limit: count.nullish(),
  rpm_limit: count.nullish(),
  model_max_budget: object.nullish(),
  model_rpm_limit: perModelLimits.nullish().describe("Kept in metadata.model_rpm_limit, as LiteLLM does"),
  model_tpm_limit: perModelLimits.nullish().describe("Kept in metadata.model_tpm_limit, as LiteLLM does"),
  aliases: object.nullish(),
  config: object.nullish(),
  permissions: object.nullish(),
  allowed_cache_controls: z.array(z.unknown()).nullish(),
  allowed_routes: z.array(z.unknown()).nullish(),
  tags: z.array(labelSchema).nullish().describe("Kept in metadata.tags, as LiteLLM does"),
  guardrails: z.array(labelSchema).nullish().describe("Kept in metadata.guardrails, as LiteLLM does"),
  enforced_params: z.array(labelSchema).nullish().describe("Kept in metadata.enforced_params, as LiteLLM does"),
};

export const generateKeyBodySchema = z.object({
  ...keySettingFields,
  key: given.nullish().describe("The raw key to use instead of a generated one; must start with sk-"),
  key_type: z.enum(KEY_TYPES).nullish().describe("llm_api, management or read_only set allowed_routes, as in LiteLLM"),
  send_invite_email: z.boolean().nullish().describe("Accepted; Switchboard sends no email"),
});
export const updateKeyBodySchema = z.object({ key: given, ...keySettingFields });
export const deleteKeysBodySchema = z
  .object({ keys: z.array(given).nullish(), key_aliases: z.array(given).nullish() })
  .refine((body) => (body.keys?.length ?? 0) + (body.key_aliases?.length ?? 0) > 0, {
    message: "At least one of 'keys' or 'key_aliases' must be provided.",
    path: ["keys"],
  });
export const keyInfoQuerySchema = z.object({
  key: labelSchema.optional().describe("Raw key or token; without it, the calling virtual key"),
});
export const keyListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(100).default(10),
  user_id: labelSchema.optional(),
  team_id: labelSchema.optional(),
  organization_id: labelSchema.optional(),
  key_alias: labelSchema.optional(),
  key_hash: given.optional().describe("A token (sha256 hex) or raw key"),
  return_full_object: z
    .stringbool()
    .default(false)
    .describe("true: key objects; otherwise their tokens, as in LiteLLM"),
});

/** A key as every endpoint shows it: by token (sha256 hex), never the raw key. */
const keyInfoSchema = z.object({
  token: z.string().describe("sha256 hex of the raw key; accepted wherever a key is named"),
  key_name: z.string().describe("`sk-...` and the last four characters"),
  key_alias: z.string().nullable(),
  models: z.array(z.string()),
  metadata: object,
  max_parallel_requests: z.number().int().nullable(),
  expires: z.iso.datetime().nullable(),
  blocked: z.boolean().nullable().describe("true: every call with the key is refused with 401"),
  spend: z.number().describe("USD spent by the key across the cluster; trails the calls by a second or two"),
  user_id: z.string().nullable(),
  team_id: z.string().nullable(),
  organization_id: z.string().nullable(),
  max_budget: z
    .number()
    .nullable()
    .describe("USD; at or over it, calls with the key are refused (400 budget_exceeded)"),
  soft_budget: z.number().nullable().describe("USD; its crossing is logged and counted once per budget period"),
  budget_duration: z.string().nullable().describe("How often spend resets: 30s, 1h, 1d, 7d, 30d, ..."),
  budget_reset_at: z.iso.datetime().nullable().describe("When spend next goes back to 0 (UTC)"),
  tpm_limit: z.number().int().nullable().describe("Stored, not enforced yet"),
  rpm_limit: z.number().int().nullable().describe("Stored, not enforced yet"),
  model_max_budget: object.describe("Stored, not enforced yet"),
  aliases: object.describe("Stored, not applied yet"),
  config: object.describe("Stored, not applied yet"),
  permissions: object.describe("Stored, not applied yet"),
  allowed_cache_controls: z.array(z.unknown()).describe("Stored, not enforced yet"),
  allowed_routes: z.array(z.unknown()).describe("Stored, not enforced yet"),
  created_at: z.iso.datetime(),
  created_by: z.string(),
  updated_at: z.iso.datetime(),
  updated_by: z.string(),
});

export type KeyInfoCheck = Assert<Fits<ReturnType<typeof toKeyInfo>, typeof keyInfoSchema, "metadata">>;

const untracked = z.null().describe("Switchboard has no such thing; always null");

/** LiteLLM's GenerateKeyResponse. */
const generatedKeySchema = keyInfoSchema.extend({
  key: z.string().describe("The raw key, shown in this response only"),
  token_id: z.string().describe("The same sha256 hex as `token`"),
  duration: z.string().nullable().describe("As sent"),
  tags: z.array(z.string()).nullable().describe("metadata.tags"),
  guardrails: z.array(z.string()).nullable().describe("metadata.guardrails"),
  enforced_params: z.array(z.string()).nullable().describe("metadata.enforced_params"),
  model_rpm_limit: object.nullable().describe("metadata.model_rpm_limit"),
  model_tpm_limit: object.nullable().describe("metadata.model_tpm_limit"),
  budget_id: untracked,
  litellm_budget_table: untracked,
  project_id: untracked,
  agent_id: untracked,
  policies: untracked,
  prompts: untracked,
  object_permission: untracked,
  router_settings: untracked,
  rpm_limit_type: untracked,
  tpm_limit_type: untracked,
  allowed_passthrough_routes: untracked,
  allowed_vector_store_indexes: untracked,
  access_group_ids: untracked,
});

export type GeneratedKeyCheck = Assert<
  Fits<
    ReturnType<typeof toGeneratedKey>,
    typeof generatedKeySchema,
    "metadata" | "tags" | "guardrails" | "enforced_params" | "model_rpm_limit" | "model_tpm_limit"
  >
>;

const updatedKeySchema = keyInfoSchema.extend({
  key: z.string().describe("The token again (LiteLLM echoes the key as sent)"),
});
const keyInfoResponseSchema = z.object({ key: z.string().describe("The token"), info: keyInfoSchema });
const deletedKeysSchema = z.object({ deleted_keys: z.array(z.string()).describe("Tokens of the revoked keys") });
const keyListSchema = z.object({
  keys: z
    .array(z.union([z.string().describe("A token"), keyInfoSchema]))
    .describe("Tokens, or key objects with return_full_object=true"),
  total_count: z.number().int(),
  current_page: z.number().int(),
  total_pages: z.number().int(),
});

export const keysComponents: Record<string, z.ZodType> = {
  KeyInfo: keyInfoSchema,
  GeneratedKey: generatedKeySchema,
  UpdatedKey: updatedKeySchema,
  KeyInfoResponse: keyInfoResponseSchema,
  DeletedKeys: deletedKeysSchema,
  KeyList: keyListSchema,
};

/** LiteLLM: a virtual key reads its own info (named or not); the master key reads any key it names. */
function keyToShow(keyService: KeyService, caller: Caller, asked: string | undefined): VirtualKey {
  if (!asked) {
    if (caller.kind === "master") {
      throw ApiError.badRequest("key is required with the master key: /key/info?key=<key or token>", "key");
    }
    return keyService.info(caller.key.token);
  }
  const found = keyService.info(asked);
  if (caller.kind === "virtual" && found.token !== caller.key.token) {
    throw ApiError.forbidden("You are not allowed to access this key's info: a virtual key can only read its own");
  }
  return found;
}

function listed(keys: VirtualKey[], query: z.infer<typeof keyListQuerySchema>): VirtualKey[] {
  return keys.filter(
    (key) =>
      (query.user_id === undefined || key.userId === query.user_id) &&
      (query.team_id === undefined || key.teamId === query.team_id) &&
      (query.organization_id === undefined || key.organizationId === query.organization_id) &&
      (query.key_alias === undefined || key.keyAlias === query.key_alias) &&
      (query.key_hash === undefined || key.token === tokenOf(query.key_hash)),
  );
}

export interface KeyRoutesDeps {
  keyService: KeyService;
  keys: KeyRegistry;
  masterKey: string;
  spend: Pick<SpendService, "keySpend">;
}

const tags = ["virtual keys"];

/**
 * LiteLLM's key management endpoints: /key/info for any key holder, the rest for the master key. Key writes go
 * through the revisioned change log, like model writes, so every replica applies them.
 */
export const keyRoutes = [
  defineRoute({
    method: "post",
    path: "/key/generate",
    summary: "Mint a virtual key",
    description:
      "`models` may name model groups, access groups or `all-proxy-models`; empty means every model. Every field may be " +
      "null (= not given); fields LiteLLM takes that are not listed are accepted and ignored. Budgets, tpm/rpm limits, " +
      "aliases, config, permissions, allowed routes and cache controls are stored and shown but not enforced yet.",
    errors: [400, 401, 403, 409, 413, 415, 500, 503],
    tags,
    security: "master",
    fresh: true,
    body: generateKeyBodySchema.superRefine(rejectNul),
    response: generatedKeySchema,
    handler: async ({ body, caller }, deps: KeyRoutesDeps) => {
      // The master key is checked before virtual keys, so a virtual key equal to it could never be used.
      if (body.key === deps.masterKey) throw ApiError.badRequest("key must differ from the master key", "key");
      const { rawKey, key } = await deps.keyService.generate(body, caller.actor);
      // The raw key is in this one response and nowhere else, ever.
      return toGeneratedKey(rawKey, key, body.duration ?? null);
    },
  }),
  defineRoute({
    method: "get",
    path: "/key/info",
    summary: "One key, by raw key or token",
    description:
      "A virtual key reads its own info, with or without `?key=`; naming another key is 403. The master key reads any " +
      "key and must name it.",
    tags,
    security: "key",
    fresh: true,
    query: keyInfoQuerySchema,
    response: keyInfoResponseSchema,
    errors: [400, 401, 403, 404, 500],
    handler: ({ query, caller }, deps: KeyRoutesDeps) => {
      const found = keyToShow(deps.keyService, caller, query.key);
      return { key: found.token, info: toKeyInfo(found, deps.spend.keySpend(found)) };
    },
  }),
  defineRoute({
    method: "post",
    path: "/key/update",
    summary: "Edit a key",
    description:
      "A field left out is unchanged. `null` clears a single value (alias, limits, budgets, ids; `duration: null` " +
      "removes the expiry, as in LiteLLM) and leaves a list or object as it is. `metadata` is replaced, not merged.",
    tags,
    security: "master",
    fresh: true,
    body: updateKeyBodySchema.superRefine(rejectNul),
    response: updatedKeySchema,
    errors: [400, 401, 403, 404, 413, 415, 500, 503],
    handler: async ({ body: { key, ...options }, caller }, deps: KeyRoutesDeps) => {
      const updated = await deps.keyService.update(key, options, caller.actor);
      // LiteLLM answers `key` as sent; the token stands in for it, so a raw key never comes back.
      return { key: updated.token, ...toKeyInfo(updated) };
    },
  }),
  defineRoute({
    method: "post",
    path: "/key/delete",
    summary: "Revoke keys (by key, token or alias) on every replica",
    tags,
    security: "master",
    fresh: true,
    body: deleteKeysBodySchema,
    response: deletedKeysSchema,
    errors: [400, 401, 403, 404, 413, 415, 500, 503],
    handler: async ({ body, caller }, deps: KeyRoutesDeps) => {
      const deleted = await deps.keyService.delete(
        { keys: body.keys ?? [], keyAliases: body.key_aliases ?? [] },
        caller.actor,
      );
      return { deleted_keys: deleted };
    },
  }),
  defineRoute({
    method: "get",
    path: "/key/list",
    summary: "Keys, newest first, paged; never raw keys",
    tags,
    security: "master",
    fresh: true,
    query: keyListQuerySchema,
    response: keyListSchema,
    errors: [400, 401, 403, 500],
    handler: ({ query }, deps: KeyRoutesDeps) => {
      const { page, size } = query;
      // Newest first, as LiteLLM lists them.
      const all = listed(deps.keys.all(), query).reverse();
      const shown = all.slice((page - 1) * size, page * size);
      return {
        keys: query.return_full_object
          ? shown.map((key) => toKeyInfo(key, deps.spend.keySpend(key)))
          : shown.map((key) => key.token),
        total_count: all.length,
        current_page: page,
        total_pages: Math.ceil(all.length / size),
      };
    },
  }),
];
