import { z } from "zod";
import type { ChangeLog } from "../../sync/ports.js";
import { defineRoute } from "../route.js";
import { historyOf, historyQuerySchema, historyRowFields } from "./change-history.js";

// LiteLLM has no key history; this mirrors GET /model/history (same query, same shape) for the change log's "key"
// entries. A key is named by its token (the SHA-256 of the raw key, as /key/list shows it), never by the raw key.

export const keyHistoryQuerySchema = historyQuerySchema.extend({
  id: historyQuerySchema.shape.id.describe("The key's token (the hash /key/list shows as `token`)"),
});

const keyHistorySchema = z.object({
  data: z.array(
    z.object({
      ...historyRowFields,
      key_id: z.string().describe("The key's token (hash), as `token` in /key/list"),
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
    handler: ({ query }, { changeLog }: KeyHistoryDeps) => historyOf(changeLog, "key", "key_id", query),
  }),
];
