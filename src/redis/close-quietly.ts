import { Cluster } from "ioredis";
import { markClosing, type RedisClient } from "./connections.js";

/** Closes a connection politely (QUIT) when it is up, and drops it at once otherwise or when QUIT fails. */
export async function closeQuietly(connection: RedisClient): Promise<void> {
  markClosing(connection);
  if (connection.status === "ready") {
    try {
      await connection.quit();
      // QUIT leaves a Sentinel connection's failover detector (its own subscriptions to every sentinel) open;
      // disconnect() is what closes those. A Cluster is done after QUIT.
      if (!(connection instanceof Cluster)) connection.disconnect();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  connection.disconnect();
}
