import type { ChangeEntity, ChangeEntry, ChangeLog, ChangeOp } from "../registry/ports.js";
import type { Prisma, PrismaClient } from "../generated/prisma/client.js";

type Tx = Prisma.TransactionClient;

/**
 * Every revisioned write takes this transaction-scoped lock before it picks its revision, so revisions commit
 * in increasing order: a reader that has seen revision N will never later find an uncommitted N-1 appear.
 */
const CHANGE_LOG_LOCK = 4_712_001;

/** Interactive transactions wait for the lock above; under bursts of writes that can take a while. */
export const WRITE_TX_OPTIONS = { maxWait: 15_000, timeout: 30_000 } as const;

export async function lockChangeLog(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CHANGE_LOG_LOCK})`;
}

/** Appends one entry; call inside a transaction that already holds lockChangeLog. */
export async function appendChange(
  tx: Tx,
  entry: { entity: ChangeEntity; op: ChangeOp; entityId: string; actor: string },
): Promise<ChangeEntry> {
  const last = await tx.changeLog.aggregate({ _max: { revision: true } });
  const revision = (last._max.revision ?? 0n) + 1n;
  const row = await tx.changeLog.create({ data: { revision, ...entry } });
  return toChangeEntry(row);
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

export function createChangeLogStore(prisma: PrismaClient): ChangeLog {
  return {
    async latestRevision() {
      const last = await prisma.changeLog.aggregate({ _max: { revision: true } });
      return Number(last._max.revision ?? 0n);
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
  };
}
