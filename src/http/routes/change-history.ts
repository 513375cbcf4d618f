import { z } from "zod";
import { idSchema } from "../../config/names.js";
import type { ChangeEntity, ChangeLog, ChangeOp } from "../../sync/ports.js";

// The change log as /model/history and /key/history answer it: the same query, the same rows, the entity's id under
// its own field name (`model_id`, `key_id`).

export const historyQuerySchema = z.object({
  id: idSchema.optional(),
  since_revision: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export type HistoryQuery = z.infer<typeof historyQuerySchema>;

/** One row's fields besides the entity's id. */
export const historyRowFields = {
  revision: z.number().int().min(1),
  op: z.enum(["create", "update", "delete"] as const satisfies readonly ChangeOp[]),
  actor: z.string(),
  created_at: z.iso.datetime(),
};

type HistoryRow<IdField extends string> = {
  revision: number;
  op: ChangeOp;
  actor: string;
  created_at: string;
} & Record<IdField, string>;

/** The entity's committed changes, newest first, with its id under `idField`. */
export async function historyOf<IdField extends string>(
  changeLog: Pick<ChangeLog, "history">,
  entity: ChangeEntity,
  idField: IdField,
  query: HistoryQuery,
): Promise<{ data: Array<HistoryRow<IdField>> }> {
  const entries = await changeLog.history({
    entity,
    entityId: query.id,
    sinceRevision: query.since_revision,
    limit: query.limit,
  });
  return {
    data: entries.map(
      (entry) =>
        ({
          revision: entry.revision,
          op: entry.op,
          [idField]: entry.entityId,
          actor: entry.actor,
          created_at: entry.createdAt.toISOString(),
        }) as HistoryRow<IdField>,
    ),
  };
}
