import type { AdmitRequest, AdmitResult, SharedLimitStore, Settlement } from "../limits/ports.js";
import { LEASE_RENEW_MS, LEASE_TTL_MS } from "../limits/window.js";
import { limitCounterKey, limitReplicasKey } from "./keys.js";
import { ADMIT_LUA, RENEW_LUA, SETTLE_LUA } from "./limit-scripts.js";
import { closeQuietly } from "./close-quietly.js";
import { connectionsOf, type RedisClient, type RedisSource } from "./connections.js";

export type RedisLimitStoreOptions = RedisSource & {
  replicaId: string;
  /** How long a lease lives without renewal (tests shorten it). */
  leaseTtlMs?: number;
  /** How often held leases are renewed; 0 never (tests simulating a killed replica). */
  renewEveryMs?: number;
  /** A command slower than this fails, and the call is counted locally instead. */
  commandTimeoutMs?: number;
};

type Args = Array<string | number>;
interface LimitCommands {
  limitAdmit(keyCount: number, ...args: Args): Promise<number[]>;
  limitSettle(keyCount: number, ...args: Args): Promise<number>;
  limitRenew(keyCount: number, ...args: Args): Promise<number>;
}

/**
 * The cluster's key-limit counters in Redis: one EVALSHA checks and takes every counter of a call atomically.
 * Leases on parallel slots expire unless their replica renews them, so a killed replica's slots come back.
 */
export class RedisLimitStore implements SharedLimitStore {
  private readonly redis: RedisClient & LimitCommands;
  private readonly keyPrefix: string;
  private readonly held = new Map<string, readonly string[]>();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly ttl: number;
  private replicas = 1;

  constructor(private readonly options: RedisLimitStoreOptions) {
    this.ttl = options.leaseTtlMs ?? LEASE_TTL_MS;
    const connections = connectionsOf(options);
    this.keyPrefix = connections.keyPrefix;
    // Fails fast while disconnected (the factory's rule): the limiter counts locally instead of queueing calls.
    const redis = connections.open({
      role: "pub",
      id: `limits-${options.replicaId}`,
      commandTimeoutMs: options.commandTimeoutMs ?? 500,
    });
    // Transitions are logged once by the limiter (FailoverLimitStore); reconnect errors would repeat forever.
    redis.on("error", () => undefined);
    redis.defineCommand("limitAdmit", { lua: ADMIT_LUA });
    redis.defineCommand("limitSettle", { lua: SETTLE_LUA });
    redis.defineCommand("limitRenew", { lua: RENEW_LUA });
    this.redis = redis as RedisClient & LimitCommands;
    redis.on("ready", () => void this.renew());
    const every = options.renewEveryMs ?? LEASE_RENEW_MS;
    if (every > 0) this.timer = setInterval(() => void this.renew(), every);
  }

  available(): boolean {
    return this.redis.status === "ready";
  }

  replicasSeen(): number {
    return this.replicas;
  }

  async admit(request: AdmitRequest): Promise<AdmitResult> {
    const keys = [limitReplicasKey(this.keyPrefix)];
    const args: Args = [request.lease, this.ttl];
    for (const check of request.checks) {
      keys.push(limitCounterKey(this.keyPrefix, check.id));
      args.push(check.kind, check.limit);
    }
    const reply = await this.redis.limitAdmit(keys.length, ...keys, ...args);
    const [refused = 0, retryAfterMs = 0, replicas = 1, ...used] = reply;
    this.replicas = Math.max(1, replicas);
    if (refused > 0) return { ok: false, refused: refused - 1, used, retryAfterMs };
    const parallel = request.checks.filter((check) => check.kind === "parallel").map((check) => check.id);
    if (parallel.length > 0) this.held.set(request.lease, parallel);
    return { ok: true, used };
  }

  async settle(settlement: Settlement): Promise<void> {
    this.held.delete(settlement.lease);
    const tokenIds = settlement.tokens > 0 ? settlement.tokenIds : [];
    const ids = [...tokenIds, ...settlement.parallelIds];
    if (ids.length === 0) return;
    const keys = ids.map((id) => limitCounterKey(this.keyPrefix, id));
    await this.redis.limitSettle(keys.length, ...keys, tokenIds.length, settlement.tokens, settlement.lease);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await closeQuietly(this.redis);
  }

  /** Keeps this replica's leases alive and counts the replicas sharing Redis (for the per-replica fallback). */
  private async renew(): Promise<void> {
    if (!this.available()) return;
    const keys = [limitReplicasKey(this.keyPrefix)];
    const args: Args = [this.options.replicaId, this.ttl];
    for (const [lease, ids] of this.held) {
      for (const id of ids) {
        keys.push(limitCounterKey(this.keyPrefix, id));
        args.push(lease);
      }
    }
    try {
      this.replicas = Math.max(1, await this.redis.limitRenew(keys.length, ...keys, ...args));
    } catch {
      // Redis went away between the check and the call; the next renewal tries again.
    }
  }
}
