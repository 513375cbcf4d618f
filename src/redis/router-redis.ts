import { randomUUID } from "node:crypto";
import type { Logger } from "../logging/logger.js";
import { RedisCooldownStore } from "./cooldown-store.js";
import { RedisDeploymentUsageStore } from "./deployment-usage-store.js";
import { closeQuietly } from "./close-quietly.js";
import { connectionsOf, type RedisSource } from "./connections.js";

export type RouterRedisOptions = RedisSource & {
  logger: Logger;
  replicaId?: string;
};

export interface RouterRedis {
  cooldowns: RedisCooldownStore;
  usage: RedisDeploymentUsageStore;
  /** Whether cooldowns and deployment usage are shared with the other replicas right now (for readiness). */
  status(): { shared: boolean };
  close(): Promise<void>;
}

/**
 * The router's shared state: one connection for scripts, one subscribed to cooldown notices. Commands fail at once
 * while Redis is away (no offline queue), so the router falls back to counting per replica instead of waiting.
 */
export function createRouterRedis(options: RouterRedisOptions): RouterRedis {
  const replicaId = options.replicaId ?? randomUUID().slice(0, 8);
  const connections = connectionsOf(options);
  const commands = connections.open({ role: "router", id: replicaId });
  // The store resubscribes itself, then reads the cooldowns it missed.
  const subscriber = connections.open({ role: "router-sub", id: replicaId, autoResubscribe: false });
  let closed = false;
  let up = false;
  // One line per transition, not one per reconnect attempt.
  commands.on("ready", () => {
    if (!up) options.logger.info("Redis reachable: cooldowns and deployment rpm/tpm are shared by the replicas");
    up = true;
  });
  commands.on("close", () => {
    if (up && !closed) options.logger.warn("Redis unreachable: cooldowns and deployment rpm/tpm count per replica");
    up = false;
  });
  for (const connection of [commands, subscriber]) connection.on("error", () => undefined); // the close line says it
  return {
    cooldowns: new RedisCooldownStore(commands, subscriber, connections.keyPrefix, options.logger),
    usage: new RedisDeploymentUsageStore(commands, connections.keyPrefix),
    status: () => ({ shared: commands.status === "ready" }),
    close: async () => {
      closed = true;
      await Promise.all([commands, subscriber].map((connection) => closeQuietly(connection)));
    },
  };
}
