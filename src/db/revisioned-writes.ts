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
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new DuplicateIdError(entry.entityId);
    }
    throw error;
  }
}
