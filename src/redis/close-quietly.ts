import type { Redis } from "ioredis";

/** Closes a connection politely (QUIT) when it is up, and drops it at once otherwise or when QUIT fails. */
export async function closeQuietly(connection: Redis): Promise<void> {
  if (connection.status === "ready") {
    try {
      await connection.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  connection.disconnect();
}
