import type { RedisClient } from "./connections.js";

/** Closes a connection politely (QUIT) when it is up, and drops it at once otherwise or when QUIT fails. */
export async function closeQuietly(connection: RedisClient): Promise<void> {
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
