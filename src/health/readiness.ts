// What readiness concludes from the replica's state. A load balancer reads only the status code, so the line between
// "cannot serve" (503) and "serving without a dependency" (200, degraded) is drawn here, once.

/** What a replica knows about itself when readiness is asked. */
export interface ReadinessFacts {
  registryLoaded: boolean;
  draining: boolean;
  databaseReachable: boolean;
  /** READINESS_REQUIRES_DB: an unreachable database makes the replica not ready instead of degraded. */
  requiresDatabase: boolean;
  /** The cross-replica change feed (always true for the in-process bus). */
  changeFeedConnected: boolean;
  /** Spend queue, key limits and routing state reach Redis (true when REDIS_URL is not set: nothing to reach). */
  redisReachable: boolean;
}

export const READINESS_REASON_CODES = [
  "registry_not_loaded",
  "draining",
  "database_unreachable",
  "change_feed_disconnected",
  "redis_unreachable",
] as const;

export type ReadinessReasonCode = (typeof READINESS_REASON_CODES)[number];

export interface ReadinessReason {
  code: ReadinessReasonCode;
  message: string;
}

export interface ReadinessVerdict {
  /** 200 when true, 503 when false. */
  ready: boolean;
  status: "healthy" | "degraded" | "unhealthy";
  /** Why the replica is not healthy, most serious first; empty when healthy. */
  reasons: ReadinessReason[];
}

const MESSAGES: Record<ReadinessReasonCode, string> = {
  registry_not_loaded: "The model registry is not loaded yet: this replica cannot route calls",
  draining: "The replica is shutting down: it finishes its in-flight requests and takes no new ones",
  database_unreachable:
    "PostgreSQL is unreachable: known models and keys are served from memory, writes answer 503 database_unavailable, and changes made meanwhile arrive once it is back",
  change_feed_disconnected:
    "The Redis change feed is disconnected: changes from other replicas arrive by the periodic revision check",
  redis_unreachable:
    "Redis is unreachable: spend records wait in this replica's memory, key limits and cooldowns are counted per replica",
};

const REQUIRED_DATABASE_MESSAGE =
  "PostgreSQL is unreachable and READINESS_REQUIRES_DB=true: the replica reports not ready, though it could serve known models and keys from memory";

function reason(code: ReadinessReasonCode, message = MESSAGES[code]): ReadinessReason {
  return { code, message };
}

/**
 * Ready unless the replica cannot serve at all: before its first load, while draining, or (only when configured so)
 * without its database. A replica whose registry is loaded serves every known model and key from memory, so a lost
 * database or Redis makes it degraded, not unready: taking every replica out of rotation at once would turn a
 * dependency's outage into a full one.
 */
export function readinessVerdict(facts: ReadinessFacts): ReadinessVerdict {
  const blocking: ReadinessReason[] = [];
  const degrading: ReadinessReason[] = [];
  if (!facts.registryLoaded) blocking.push(reason("registry_not_loaded"));
  if (facts.draining) blocking.push(reason("draining"));
  if (!facts.databaseReachable) {
    if (facts.requiresDatabase) blocking.push(reason("database_unreachable", REQUIRED_DATABASE_MESSAGE));
    else degrading.push(reason("database_unreachable"));
  }
  if (!facts.changeFeedConnected) degrading.push(reason("change_feed_disconnected"));
  if (!facts.redisReachable) degrading.push(reason("redis_unreachable"));
  const ready = blocking.length === 0;
  const status = !ready ? "unhealthy" : degrading.length > 0 ? "degraded" : "healthy";
  return { ready, status, reasons: [...blocking, ...degrading] };
}
