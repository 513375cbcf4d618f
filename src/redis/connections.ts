import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { RedisTarget } from "../config/redis-target.js";
import { type ConnectionRole, connectionName, slotTaggedPrefix } from "./keys.js";

/** A connection to one server, a Sentinel-managed master or a whole Cluster: the commands we use work on each. */
export type RedisClient = Redis | Cluster;

export interface ConnectionRequest {
  role: ConnectionRole;
  /** Names the connection (CLIENT SETNAME) together with the prefix and role. */
  id: string;
  /** False where the owner subscribes again itself, so that its catch-up starts once the subscription is live. */
  autoResubscribe?: boolean;
  /** A command slower than this fails (the caller has a local fallback). */
  commandTimeoutMs?: number;
  minReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

/** The one place Switchboard opens Redis connections; every user in src/redis gets its connections here. */
export interface RedisConnections {
  readonly mode: RedisTarget["mode"];
  /** The key prefix every key and channel is built from; hash-tagged in cluster mode (see slotTaggedPrefix). */
  readonly keyPrefix: string;
  open(request: ConnectionRequest): RedisClient;
}

/** What a Redis user is given: the factory, or (tests, tools) a plain URL and prefix that become one. */
export type RedisSource = { connections: RedisConnections } | { url: string; keyPrefix: string };

export function connectionsOf(source: RedisSource): RedisConnections {
  return "connections" in source
    ? source.connections
    : createRedisConnections({ mode: "single", url: source.url }, source.keyPrefix);
}

export function createRedisConnections(target: RedisTarget, keyPrefix: string): RedisConnections {
  const prefix = target.mode === "cluster" ? slotTaggedPrefix(keyPrefix) : keyPrefix;
  return { mode: target.mode, keyPrefix: prefix, open: (request) => open(target, prefix, request) };
}

function backoff(request: ConnectionRequest): (attempt: number) => number {
  const min = request.minReconnectDelayMs ?? 50;
  const max = request.maxReconnectDelayMs ?? 1000;
  return (attempt) => Math.max(min, Math.min(50 * 2 ** Math.min(attempt, 10), max));
}

/** A replica must never wait on Redis: each user has its own fallback, so commands fail at once while it is away. */
function commonOptions(prefix: string, request: ConnectionRequest): RedisOptions {
  return {
    // Queued commands would run late (a change notice, a limit check) or pile up without bound (spend records).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // An XADD must reach the socket before the reply it records is written (see spend-queue.ts).
    enableAutoPipelining: false,
    autoResubscribe: request.autoResubscribe ?? true,
    ...(request.commandTimeoutMs === undefined ? {} : { commandTimeout: request.commandTimeoutMs }),
    connectionName: connectionName(prefix, request.role, request.id),
    // A master demoted by a failover answers writes with READONLY (also a DNS name that still points at it):
    // drop the connection and find the master again instead of failing every write until the socket closes.
    reconnectOnError: (error) => error.message.startsWith("READONLY"),
  };
}

function open(target: RedisTarget, prefix: string, request: ConnectionRequest): RedisClient {
  const options = commonOptions(prefix, request);
  const retry = backoff(request);
  switch (target.mode) {
    case "single":
      return new Redis(target.url, { ...options, retryStrategy: retry });
    case "sentinel":
      return new Redis({
        ...options,
        retryStrategy: retry,
        sentinels: target.sentinels,
        name: target.serviceName,
        username: target.username,
        password: target.password,
        sentinelUsername: target.sentinelUsername,
        sentinelPassword: target.sentinelPassword,
        sentinelRetryStrategy: retry,
        // Sentinel's +switch-master drops a connection to the old master at once rather than at its next error.
        failoverDetector: true,
      });
    case "cluster":
      return new Cluster(target.nodes, {
        enableOfflineQueue: false,
        clusterRetryStrategy: retry,
        // Node connections: ioredis keeps its own reconnect and offline-queue rules for those (slots move on).
        redisOptions: { ...options, username: target.username, password: target.password },
      });
  }
}
