// Every Redis key and channel name Switchboard uses, built from one prefix so that several deployments (or
// test runs) can share one Redis without hearing each other.

export function changeChannel(prefix: string): string {
  return `${prefix}:changes`;
}

/**
 * The prefix wrapped in a hash tag, `{prefix}`, for Redis Cluster: a Lua script or MULTI may only touch keys of one
 * slot, and a hash tag puts every key and channel built from the prefix in the same slot. Only in cluster mode, so
 * that a single server or Sentinel keeps the key names it had (an upgrade must not orphan the spend stream).
 */
export function slotTaggedPrefix(prefix: string): string {
  return /\{[^}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
}

export type ConnectionRole = "pub" | "sub" | "spend" | "router" | "router-sub";

export function connectionName(prefix: string, role: ConnectionRole, replicaId: string): string {
  // Redis client names may not contain spaces.
  return `${prefix}:${role}:${replicaId}`.replace(/\s+/g, "_");
}

/** The stream answered calls wait in until a replica's flusher has written them to PostgreSQL. */
export function spendStream(prefix: string): string {
  return `${prefix}:spend`;
}

/** The consumer group every replica's spend flusher reads the stream in. */
export const SPEND_GROUP = "spend-flushers";

// Key limits (src/limits/): one counter per key and limit, named by the key's hash; and the replicas alive.

export function limitCounterKey(prefix: string, counterId: string): string {
  return `${prefix}:limits:${counterId}`;
}

export function limitReplicasKey(prefix: string): string {
  return `${prefix}:limits:replicas`;
}

// Cooldowns and deployment limits (router state shared by the replicas).

/** Announces each cooldown started by any replica. */
export function cooldownChannel(prefix: string): string {
  return `${prefix}:cooldowns`;
}

/** Sorted set: deployment id → when its cooldown ends (Redis clock, ms). */
export function cooldownActiveKey(prefix: string): string {
  return `${prefix}:cooldowns:active`;
}

/** Failures of one deployment; the minute number is appended by the script (Redis clock). */
export function cooldownFailsKey(prefix: string, deploymentId: string): string {
  return `${prefix}:cooldowns:fails:${deploymentId}`;
}

/** Hash of every deployment's calls (`<id>:r`) and tokens (`<id>:t`); the minute number is appended by the script. */
export function deploymentUsageKey(prefix: string): string {
  return `${prefix}:deployment-usage`;
}
