import { z } from "zod";
import { idSchema } from "../../config/names.js";
import type { ChangeLog, ChangeOp } from "../../sync/ports.js";
import { defineRoute } from "../route.js";

// LiteLLM has no key history; this mirrors GET /model/history (same query, same shape) for the change log's "key"
// entries. A key is named by its token (the SHA-256 of the raw key, as /key/list shows it), never by the raw key.

export const keyHistoryQuerySchema = z.object({
  id: idSchema.optional().describe("The key's token (the hash /key/list shows as `token`)"),
  since_revision: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const keyHistorySchema = z.object({
  data: z.array(
    z.object({
      revision: z.number().int().min(1),
      op: z.enum(["create", "update", "delete"] as const satisfies readonly ChangeOp[]),
      key_id: z.string().describe("The key's token (hash), as `token` in /key/list"),
      actor: z.string(),
      created_at: z.iso.datetime(),
    }),
  ),
});

export const keyHistoryComponents = { KeyHistory: keyHistorySchema };

export interface KeyHistoryDeps {
  changeLog: ChangeLog;
}

export const keyHistoryRoutes = [
  defineRoute({
    method: "get",
    path: "/key/history",
    summary: "Committed changes to virtual keys, newest first",
    description:
      "Switchboard's own (LiteLLM has none), shaped like /model/history: `id` filters by one key's token, " +
      "`since_revision` keeps newer revisions. Keys appear by token (hash), never raw.",
    tags: ["virtual keys"],
    security: "master",
    query: keyHistoryQuerySchema,
    response: keyHistorySchema,
    errors: [400, 401, 403, 500, 503],
    handler: async ({ query }, { changeLog }: KeyHistoryDeps) => {
      const entries = await changeLog.history({
        entity: "key",
        entityId: query.id,
        sinceRevision: query.since_revision,
        limit: query.limit,
      });
      return {
        data: entries.map((entry) => ({
          revision: entry.revision,
          op: entry.op,
          key_id: entry.entityId,
          actor: entry.actor,
          created_at: entry.createdAt.toISOString(),
        })),
      };
    },
  }),
];
