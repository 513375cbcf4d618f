import type { Logger } from "../logging/logger.js";
import type { RedisTarget } from "../config/redis-target.js";
import { createRedisConnections } from "./connections.js";
import { RedisChangeBus } from "./redis-change-bus.js";
import { createRouterRedis } from "./router-redis.js";
import { RedisSpendQueue } from "./spend-queue.js";
import { RedisLimitStore } from "./limit-store.js";

/**
 * Everything a replica builds on Redis, from one connection factory. deps.ts loads this module only when Redis is
 * configured, so a replica without Redis (embedded mode) never loads ioredis: measured at about 24 MB of resident
 * memory and most of a second of start-up on a busy machine.
 */
export function createRedisKit(target: RedisTarget, keyPrefix: string) {
  const connections = createRedisConnections(target, keyPrefix);
  return {
    connections,
    changeBus: (logger: Logger) => new RedisChangeBus({ connections, logger }),
    routerRedis: (logger: Logger) => createRouterRedis({ connections, logger }),
    spendQueue: (options: { logger: Logger; bufferLimit: number; claimIdleMs: number }) =>
      new RedisSpendQueue({ connections, ...options }),
    limitStore: (replicaId: string) => new RedisLimitStore({ connections, replicaId }),
  };
}

export type RedisKit = ReturnType<typeof createRedisKit>;
