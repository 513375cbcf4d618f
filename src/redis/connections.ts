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
      return revivedOnEnd(new Redis(target.url, { ...options, retryStrategy: retry }), retry);
    case "sentinel":
      return revivedOnEnd(
        new Redis({
          ...options,
          retryStrategy: retry,
          sentinels: target.sentinels,
          name: target.serviceName,
          username: target.username,
          password: target.password,
          sentinelUsername: target.sentinelUsername,
          sentinelPassword: target.sentinelPassword,
          sentinelRetryStrategy: retry,
          // Not ioredis' failover detector: the detector of a connection already lost stays subscribed, and its
          // +switch-master cuts short the reconnect then in flight, which ioredis answers by ending the connection
          // for good (the likely cause of one failover-test run where key limits stayed per-replica). Sentinel kills
          // a demoted master's clients itself and reconnectOnError covers READONLY: the detector adds nothing.
          failoverDetector: false,
        }),
        retry,
      );
    case "cluster":
      return new Cluster(target.nodes, {
        enableOfflineQueue: false,
        clusterRetryStrategy: retry,
        // Node connections: ioredis keeps its own reconnect and offline-queue rules for those (slots move on).
        redisOptions: { ...options, username: target.username, password: target.password },
      });
  }
}

const closedOnPurpose = new WeakSet<RedisClient>();

/** Called before a connection is closed for good (closeQuietly), so that it is not revived. */
export function markClosing(connection: RedisClient): void {
  closedOnPurpose.add(connection);
}

/**
 * ioredis gives a connection up ("end") when its connector fails outright (a Sentinel lookup cut short, say)
 * instead of retrying. A replica must not count per replica until it restarts: connect again, with the backoff.
 */
function revivedOnEnd(connection: Redis, retry: (attempt: number) => number): Redis {
  let attempts = 0;
  connection.on("ready", () => (attempts = 0));
  connection.on("end", () => {
    if (closedOnPurpose.has(connection)) return;
    const timer = setTimeout(() => {
      if (closedOnPurpose.has(connection) || connection.status !== "end") return;
      connection.connect().catch(() => undefined); // a failure ends it again, and comes back here
    }, retry(++attempts));
    timer.unref();
  });
  return connection;
}
