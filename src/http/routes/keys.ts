import { type RequestHandler, Router } from "express";
import { z } from "zod";
import { ApiError } from "../../errors/api-error.js";
import type { KeyRegistry } from "../../keys/key-registry.js";
import { KEY_TYPES } from "../../keys/key-options.js";
import { type KeyService, tokenOf } from "../../keys/key-service.js";
import { toGeneratedKey, toKeyInfo } from "../views/key-view.js";
import type { VirtualKey } from "../../keys/virtual-key.js";
import { type Caller, callerOf } from "../middleware/auth.js";
import { parseBody, parseQuery } from "../validate.js";

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** LiteLLM refuses negative budgets ("max_budget cannot be negative"). */
const amount = z.number().min(0);
const object = z.record(z.string(), z.unknown());
const perModelLimits = z.record(z.string(), count);

// Every field is optional and nullable, as in LiteLLM's request models (its clients send explicit nulls). Fields
// LiteLLM takes that are not listed here are accepted and ignored, as pydantic ignores unknown fields there.
const keySettingFields = {
  key_alias: z.string().min(1).nullish(),
  duration: z.string().min(1).nullish().describe('30s, 10m, 12h, 30d, 2w, 1mo; null or "-1": never expires'),
  models: z.array(z.string().min(1)).nullish(),
  metadata: object.nullish(),
  max_parallel_requests: count.nullish().describe("0 refuses every call of the key"),
  blocked: z.boolean().nullish().describe("A blocked key is refused with 401"),
  user_id: z.string().nullish(),
  team_id: z.string().nullish(),
  organization_id: z.string().nullish(),
  spend: amount.nullish(),
  // LiteLLM's UI sends an empty budget as "".
  max_budget: z
    .union([amount, z.literal("")])
    .nullish()
    .transform((value) => (value === "" ? null : value)),
  soft_budget: amount.nullish(),
  budget_duration: z.string().min(1).nullish(),
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
  tags: z.array(z.string()).nullish().describe("Kept in metadata.tags, as LiteLLM does"),
  guardrails: z.array(z.string()).nullish().describe("Kept in metadata.guardrails, as LiteLLM does"),
  enforced_params: z.array(z.string()).nullish().describe("Kept in metadata.enforced_params, as LiteLLM does"),
};

export const generateKeyBodySchema = z.object({
  ...keySettingFields,
  key: z.string().min(1).nullish().describe("The raw key to use instead of a generated one; must start with sk-"),
  key_type: z.enum(KEY_TYPES).nullish().describe("llm_api, management or read_only set allowed_routes, as in LiteLLM"),
  send_invite_email: z.boolean().nullish().describe("Accepted; Switchboard sends no email"),
});
export const updateKeyBodySchema = z.object({ key: z.string().min(1), ...keySettingFields });
export const deleteKeysBodySchema = z
  .object({ keys: z.array(z.string().min(1)).nullish(), key_aliases: z.array(z.string().min(1)).nullish() })
  .refine((body) => (body.keys?.length ?? 0) + (body.key_aliases?.length ?? 0) > 0, {
    message: "At least one of 'keys' or 'key_aliases' must be provided.",
    path: ["keys"],
  });
export const keyInfoQuerySchema = z.object({
  key: z.string().optional().describe("Raw key or token; without it, the calling virtual key"),
});
export const keyListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(100).default(10),
  user_id: z.string().optional(),
  team_id: z.string().optional(),
  organization_id: z.string().optional(),
  key_alias: z.string().optional(),
  key_hash: z.string().optional().describe("A token (sha256 hex) or raw key"),
  return_full_object: z
    .stringbool()
    .default(false)
    .describe("true: key objects; otherwise their tokens, as in LiteLLM"),
});

export interface KeyRouteGuards {
  /** The master key or any virtual key. */
  caller: RequestHandler[];
  /** The master key only. */
  admin: RequestHandler[];
}

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

/** LiteLLM's key management endpoints: /key/info for any key holder, the rest for the master key. */
export function keyRoutes(
  deps: { keyService: KeyService; keys: KeyRegistry; masterKey: string },
  guards: KeyRouteGuards,
): Router {
  const router = Router();
  const { keyService } = deps;

  router.post("/key/generate", ...guards.admin, async (req, res) => {
    const body = parseBody(generateKeyBodySchema, req);
    // The master key is checked before virtual keys, so a virtual key equal to it could never be used.
    if (body.key === deps.masterKey) throw ApiError.badRequest("key must differ from the master key", "key");
    const { rawKey, key } = await keyService.generate(body, callerOf(res).actor);
    // The raw key is in this one response and nowhere else, ever.
    res.json(toGeneratedKey(rawKey, key, body.duration ?? null));
  });

  router.get("/key/info", ...guards.caller, (req, res) => {
    const { key } = parseQuery(keyInfoQuerySchema, req);
    const found = keyToShow(keyService, callerOf(res), key);
    res.json({ key: found.token, info: toKeyInfo(found) });
  });

  router.post("/key/update", ...guards.admin, async (req, res) => {
    const { key, ...options } = parseBody(updateKeyBodySchema, req);
    const updated = await keyService.update(key, options, callerOf(res).actor);
    // LiteLLM answers `key` as sent; the token stands in for it, so a raw key never comes back.
    res.json({ key: updated.token, ...toKeyInfo(updated) });
  });

  router.post("/key/delete", ...guards.admin, async (req, res) => {
    const body = parseBody(deleteKeysBodySchema, req);
    const deleted = await keyService.delete(
      { keys: body.keys ?? [], keyAliases: body.key_aliases ?? [] },
      callerOf(res).actor,
    );
    res.json({ deleted_keys: deleted });
  });

  router.get("/key/list", ...guards.admin, (req, res) => {
    const query = parseQuery(keyListQuerySchema, req);
    const { page, size } = query;
    // Newest first, as LiteLLM lists them.
    const all = listed(deps.keys.all(), query).reverse();
    const shown = all.slice((page - 1) * size, page * size);
    res.json({
      keys: query.return_full_object ? shown.map(toKeyInfo) : shown.map((key) => key.token),
      total_count: all.length,
      current_page: page,
      total_pages: Math.ceil(all.length / size),
    });
  });

  return router;
}
