import { Prisma, type PrismaClient } from "../generated/prisma/client.js";
import { type ChangeEntry, type ChangeEntity, DuplicateIdError } from "../sync/ports.js";
import { WRITE_TX_OPTIONS, appendChange } from "./change-log-store.js";

type Tx = Prisma.TransactionClient;

/** Thrown inside an update transaction to roll it back (with the revision it took) when the row is gone. */
class RowMissing extends Error {}

/**
 * Runs a revisioned read-modify-write. `work` takes its revision first (serialising writers, so no update is lost),
 * then reads the row; `missing()` rolls everything back and makes the whole call return undefined.
 */
export async function revisionedUpdate<T>(
  prisma: PrismaClient,
  work: (tx: Tx, missing: () => never) => Promise<T>,
): Promise<T | undefined> {
  try {
    return await prisma.$transaction(
      (tx) =>
        work(tx, () => {
          throw new RowMissing();
        }),
      WRITE_TX_OPTIONS,
    );
  } catch (error) {
    if (error instanceof RowMissing) return undefined;
    throw error;
  }
}

/**
 * Runs a revisioned insert: the revision is taken first (as in every write), then `insert` writes the row stamped
 * with it. A taken id rolls both back and surfaces as DuplicateIdError, whichever entity it is.
 */
export async function revisionedCreate<T>(
  prisma: PrismaClient,
  entry: { entity: ChangeEntity; entityId: string; actor: string },
  insert: (tx: Tx, change: ChangeEntry) => Promise<T>,
): Promise<{ created: T; change: ChangeEntry }> {
  try {
    return await prisma.$transaction(async (tx) => {
      const change = await appendChange(tx, { ...entry, op: "create" });
      return { created: await insert(tx, change), change };
    }, WRITE_TX_OPTIONS);
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateIdError(entry.entityId);
    throw error;
  }
}

/** Runs a one-statement insert; a taken id (the statement rolled back whole) surfaces as DuplicateIdError. */
export async function insertOnce<T>(entityId: string, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateIdError(entityId);
    throw error;
  }
}

/** P2002 from a model query; a raw query fails with P2010 and the driver adapter's own kind of error. */
function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2002") return true;
  const cause = (error.meta?.driverAdapterError as { cause?: { kind?: unknown } } | undefined)?.cause;
  return error.code === "P2010" && cause?.kind === "UniqueConstraintViolation";
}
