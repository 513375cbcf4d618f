import { z } from "zod";
import {
  deleteKeysBodySchema,
  generateKeyBodySchema,
  keyInfoQuerySchema,
  keyListQuerySchema,
  type toKeyInfo,
  updateKeyBodySchema,
} from "../routes/keys.js";
import type { Assert, Fits } from "./json-schema.js";
import type { OperationSpec } from "./operation.js";

/** A key as every endpoint shows it: by token (sha256 hex), never the raw key. */
const keyInfoSchema = z.object({
  token: z.string().describe("sha256 hex of the raw key; accepted wherever a key is named"),
  key_name: z.string().describe("`sk-...` and the last four characters"),
  key_alias: z.string().nullable(),
  models: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  max_parallel_requests: z.number().int().nullable(),
  expires: z.iso.datetime().nullable(),
  created_at: z.iso.datetime(),
  created_by: z.string(),
  updated_at: z.iso.datetime(),
  updated_by: z.string(),
});

export type KeyInfoCheck = Assert<Fits<ReturnType<typeof toKeyInfo>, typeof keyInfoSchema, "metadata">>;

const generatedKeySchema = keyInfoSchema.extend({ key: z.string().describe("The raw key, shown in this response only") });
const keyInfoResponseSchema = z.object({ key: z.string(), info: keyInfoSchema });
const deletedKeysSchema = z.object({ deleted_keys: z.array(z.string()) });
const keyListSchema = z.object({
  keys: z.array(keyInfoSchema),
  total_count: z.number().int(),
  current_page: z.number().int(),
  total_pages: z.number().int(),
});

export const keysComponents: Record<string, z.ZodType> = {
  KeyInfo: keyInfoSchema,
  GeneratedKey: generatedKeySchema,
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
    description: "`models` may name model groups, access groups or `all-proxy-models`; empty means every model.",
    tags,
    security: "master",
    body: generateKeyBodySchema,
    response: generatedKeySchema,
    errors: [400, 401, 403, 413, 500],
  },
  {
    method: "get",
    path: "/key/info",
    summary: "One key, by raw key or token",
    tags,
    security: "master",
    query: keyInfoQuerySchema,
    response: keyInfoResponseSchema,
    errors: [400, 401, 403, 404, 500],
  },
  {
    method: "post",
    path: "/key/update",
    summary: "Edit a key (models, alias, metadata, duration, max_parallel_requests)",
    tags,
    security: "master",
    body: updateKeyBodySchema,
    response: keyInfoSchema,
    errors: [400, 401, 403, 404, 413, 500],
  },
  {
    method: "post",
    path: "/key/delete",
    summary: "Revoke keys on every replica",
    tags,
    security: "master",
    body: deleteKeysBodySchema,
    response: deletedKeysSchema,
    errors: [400, 401, 403, 404, 413, 500],
  },
  {
    method: "get",
    path: "/key/list",
    summary: "Keys, paged; never raw keys",
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
