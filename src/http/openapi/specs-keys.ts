import { z } from "zod";
import type { toGeneratedKey, toKeyInfo } from "../views/key-view.js";
import {
  deleteKeysBodySchema,
  generateKeyBodySchema,
  keyInfoQuerySchema,
  keyListQuerySchema,
  updateKeyBodySchema,
} from "../routes/keys.js";
import type { Assert, Fits } from "./json-schema.js";
import type { OperationSpec } from "./operation.js";

const object = z.record(z.string(), z.unknown());

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
  spend: z.number().describe("Stored as given; not tracked yet"),
  user_id: z.string().nullable(),
  team_id: z.string().nullable(),
  organization_id: z.string().nullable(),
  max_budget: z.number().nullable().describe("Stored, not enforced yet"),
  soft_budget: z.number().nullable().describe("Stored, not enforced yet"),
  budget_duration: z.string().nullable().describe("Stored, not enforced yet"),
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

const tags = ["virtual keys"];

// Key writes go through the revisioned change log, like model writes, so every replica applies them.
export const keysOperations: OperationSpec[] = [
  {
    method: "post",
    path: "/key/generate",
    summary: "Mint a virtual key",
    description:
      "`models` may name model groups, access groups or `all-proxy-models`; empty means every model. Every field may be " +
      "null (= not given); fields LiteLLM takes that are not listed are accepted and ignored. Budgets, tpm/rpm limits, " +
      "aliases, config, permissions, allowed routes and cache controls are stored and shown but not enforced yet.",
    errors: [400, 401, 403, 409, 413, 500],
    tags,
    security: "master",
    body: generateKeyBodySchema,
    response: generatedKeySchema,
  },
  {
    method: "get",
    path: "/key/info",
    summary: "One key, by raw key or token",
    description:
      "A virtual key reads its own info, with or without `?key=`; naming another key is 403. The master key reads any " +
      "key and must name it.",
    tags,
    security: "key",
    query: keyInfoQuerySchema,
    response: keyInfoResponseSchema,
    errors: [400, 401, 403, 404, 500],
  },
  {
    method: "post",
    path: "/key/update",
    summary: "Edit a key",
    description:
      "A field left out is unchanged. `null` clears a single value (alias, limits, budgets, ids; `duration: null` " +
      "removes the expiry, as in LiteLLM) and leaves a list or object as it is. `metadata` is replaced, not merged.",
    tags,
    security: "master",
    body: updateKeyBodySchema,
    response: updatedKeySchema,
    errors: [400, 401, 403, 404, 413, 500],
  },
  {
    method: "post",
    path: "/key/delete",
    summary: "Revoke keys (by key, token or alias) on every replica",
    tags,
    security: "master",
    body: deleteKeysBodySchema,
    response: deletedKeysSchema,
    errors: [400, 401, 403, 404, 413, 500],
  },
  {
    method: "get",
    path: "/key/list",
    summary: "Keys, newest first, paged; never raw keys",
    tags,
    security: "master",
    query: keyListQuerySchema,
    response: keyListSchema,
    errors: [400, 401, 403, 500],
  },
  {
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics of this replica",
    description: "Open without a key when METRICS_PUBLIC=true.",
    tags: ["operations"],
    security: "master",
    response: { mediaType: "text/plain", schema: z.string() },
    errors: [401, 403, 500],
  },
];
