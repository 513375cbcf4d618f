import type { Prisma, PrismaClient } from "../generated/prisma/client.js";
import { WRITE_TX_OPTIONS } from "./change-log-store.js";

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
