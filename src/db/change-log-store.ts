import type { ChangeEntity, ChangeEntry, ChangeLog, ChangeOp } from "../sync/ports.js";
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";
import { guardStore } from "./unavailable.js";
import type { Database } from "./database-parts.js";

type Tx = Prisma.TransactionClient;

/** Interactive transactions queue on the revision row below; under bursts of writes that can take a while. */
export const WRITE_TX_OPTIONS = { maxWait: 15_000, timeout: 30_000 } as const;

/**
 * Takes the revision row's lock without taking a revision. Every write locks that row before any entity row, so
 * a delete (which must find its row before it knows whether it records a change) cannot deadlock with an update.
 */
export async function lockRevisions(tx: Tx): Promise<void> {
  await tx.$queryRaw`SELECT "id" FROM "switchboard_revision" WHERE "id" = 1 FOR UPDATE`;
}

/**
 * Takes the next revision and appends its entry. The counter row stays locked until this transaction commits,
 * so revisions commit in increasing order: a reader that has seen revision N will never later find an N-1
 * appear. Call it before the write it records, inside the same transaction.
 */
export async function appendChange(
  tx: Tx,
  entry: { entity: ChangeEntity; op: ChangeOp; entityId: string; actor: string },
): Promise<ChangeEntry> {
  const [next] = await tx.$queryRaw<Array<{ value: bigint }>>`
    UPDATE "switchboard_revision" SET "value" = "value" + 1 WHERE "id" = 1 RETURNING "value"`;
  if (!next) throw new Error("switchboard_revision has no row: the database was not migrated");
  const row = await tx.changeLog.create({ data: { revision: next.value, ...entry } });
  return toChangeEntry(row);
}

/**
 * The same two steps as appendChange, as the CTEs `rev` (the next revision, its counter row locked until commit) and
 * `log` (its entry), for a write done in one statement: the statement that uses them takes the lock first (its
 * insert reads `rev`) and commits at once, so the lock is held for one statement instead of several round trips.
 * `at` is the entry's time (UTC), given so the caller can stamp its row with the same time without reading it back.
 */
export function changeCtes(entry: { entity: ChangeEntity; op: ChangeOp; entityId: string; actor: string }, at: Date) {
  return Prisma.sql`rev AS (
      UPDATE "switchboard_revision" SET "value" = "value" + 1 WHERE "id" = 1 RETURNING "value"
    ), log AS (
      INSERT INTO "switchboard_change_log" ("revision", "entity", "op", "entity_id", "actor", "created_at")
      SELECT "value", ${entry.entity}, ${entry.op}, ${entry.entityId}, ${entry.actor}, ${utcTimestamp(at)} FROM rev
      RETURNING "revision"
    )`;
}

/** A TIMESTAMP(3) column's value for `at`, as Prisma writes it (UTC wall time), whatever the session's time zone. */
export function utcTimestamp(at: Date) {
  return Prisma.sql`(${at.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
}

function toChangeEntry(row: {
  revision: bigint;
  entity: string;
  op: string;
  entityId: string;
  actor: string;
  createdAt: Date;
}): ChangeEntry {
  return {
    revision: Number(row.revision),
    entity: row.entity as ChangeEntity,
    op: row.op as ChangeOp,
    entityId: row.entityId,
    actor: row.actor,
    createdAt: row.createdAt,
  };
}

export function createChangeLogStore(prisma: PrismaClient, database: Pick<Database, "queryRows">): ChangeLog {
  return guardStore({
    // Through the driver: every listing asks this first (read-your-writes), and Prisma's layer cost more than the query.
    async latestRevision() {
      const [last] = await database.queryRows<{ revision: bigint | number | string | null }>(
        `SELECT max("revision") AS "revision" FROM "switchboard_change_log"`,
      );
      return Number(last?.revision ?? 0);
    },
    async since(after, limit) {
      const rows = await prisma.changeLog.findMany({
        where: { revision: { gt: BigInt(after) } },
        orderBy: { revision: "asc" },
        take: limit,
      });
      return rows.map(toChangeEntry);
    },
    async history({ entity, entityId, sinceRevision, limit }) {
      const rows = await prisma.changeLog.findMany({
        where: {
          entity,
          entityId,
          revision: sinceRevision === undefined ? undefined : { gt: BigInt(sinceRevision) },
        },
        orderBy: { revision: "desc" },
        take: limit,
      });
      return rows.map(toChangeEntry);
    },
  });
}
