import type { AdmitRequest, AdmitResult, CounterCheck, SharedLimitStore, Settlement } from "../limits/ports.js";
import { LEASE_RENEW_MS, LEASE_TTL_MS } from "../limits/window.js";
import { limitCounterKey, limitReplicasKey } from "./keys.js";
import { ADMIT_LUA, RENEW_LUA } from "./limit-scripts.js";
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

/** Bounds one script call (its KEYS and ARGV) under a burst of calls starting or ending in the same turn. */
const MAX_CALLS_PER_SCRIPT = 256;

/**
 * How long finished calls' settlements wait for a batch of admissions to ride along with; then they go alone. A slot
 * comes back (and tokens count) that much later, never sooner, so no limit is overshot.
 */
const SETTLE_WITHIN_MS = 5;

/** What the admission script takes for one check list (see ADMIT_LUA), and its parallel counters. */
interface CheckCommand {
  keys: string[];
  args: Args;
  parallelIds: readonly string[];
}

interface PendingSettlements {
  settlements: Settlement[];
  timer: NodeJS.Timeout;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface PendingAdmission {
  request: AdmitRequest;
  resolve: (reply: number[]) => void;
  reject: (error: unknown) => void;
}
interface LimitCommands {
  limitAdmit(keyCount: number, ...args: Args): Promise<number[]>;
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
  private readonly commands = new WeakMap<readonly CounterCheck[], CheckCommand>();
  private admitting: PendingAdmission[] = [];
  private settling: PendingSettlements | undefined;

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

  /**
   * Admissions asked for in the same event-loop turn go to Redis together, one script call for all, which decides
   * each in turn atomically: the same answers as one call each, for a fraction of the work per call.
   */
  admit(request: AdmitRequest): Promise<AdmitResult> {
    return new Promise<number[]>((resolve, reject) => {
      this.admitting.push({ request, resolve, reject });
      if (this.admitting.length >= MAX_CALLS_PER_SCRIPT) void this.flushAdmissions();
      else if (this.admitting.length === 1) setImmediate(() => void this.flushAdmissions());
    }).then((reply) => this.resultOf(request, reply));
  }

  private async flushAdmissions(): Promise<void> {
    const batch = this.admitting;
    if (batch.length === 0) return;
    this.admitting = [];
    const settling = this.takeSettlements();
    const keys = [limitReplicasKey(this.keyPrefix)];
    const args: Args = [this.ttl];
    this.addSettlements(settling, keys, args);
    for (const { request } of batch) {
      const command = this.commandOf(request.checks);
      keys.push(...command.keys);
      args.push(request.lease, request.checks.length, ...command.args);
    }
    let reply: number[];
    try {
      reply = await this.redis.limitAdmit(keys.length, ...keys, ...args);
    } catch (error) {
      settling?.reject(error);
      for (const pending of batch) pending.reject(error);
      return;
    }
    settling?.resolve();
    this.replicas = Math.max(1, reply[0] ?? 1);
    let at = 1;
    for (const pending of batch) {
      const size = 2 + pending.request.checks.length;
      pending.resolve(reply.slice(at, at + size));
      at += size;
    }
  }

  private resultOf(request: AdmitRequest, reply: number[]): AdmitResult {
    const [refused = 0, retryAfterMs = 0, ...used] = reply;
    if (refused > 0) return { ok: false, refused: refused - 1, used, retryAfterMs };
    const { parallelIds } = this.commandOf(request.checks);
    if (parallelIds.length > 0) this.held.set(request.lease, parallelIds);
    return { ok: true, used };
  }

  /**
   * Finished calls give back their slots and add their tokens with the next admissions' script call (under load, no
   * round trip of their own), or alone after SETTLE_WITHIN_MS.
   */
  settle(settlement: Settlement): Promise<void> {
    this.held.delete(settlement.lease);
    const tokenIds = settlement.tokens > 0 ? settlement.tokenIds : [];
    if (tokenIds.length === 0 && settlement.parallelIds.length === 0) return Promise.resolve();
    if (!this.settling) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const timer = setTimeout(() => void this.flushSettlements(), SETTLE_WITHIN_MS);
      this.settling = { settlements: [], timer, done, resolve, reject };
    }
    const { settlements, done } = this.settling;
    settlements.push({ ...settlement, tokenIds });
    if (settlements.length >= MAX_CALLS_PER_SCRIPT) void this.flushSettlements();
    return done;
  }

  private takeSettlements(): PendingSettlements | undefined {
    const settling = this.settling;
    if (settling) clearTimeout(settling.timer);
    this.settling = undefined;
    return settling;
  }

  private addSettlements(settling: PendingSettlements | undefined, keys: string[], args: Args): void {
    const settlements = settling?.settlements ?? [];
    args.push(settlements.length);
    for (const { tokenIds, tokens, parallelIds, lease } of settlements) {
      for (const id of tokenIds) keys.push(this.counterKey(id));
      for (const id of parallelIds) keys.push(this.counterKey(id));
      args.push(tokenIds.length, tokens, parallelIds.length, lease);
    }
  }

  /** Settlements that found no admissions to ride along with: one script call with no admission in it. */
  private async flushSettlements(): Promise<void> {
    const settling = this.takeSettlements();
    if (!settling) return;
    const keys = [limitReplicasKey(this.keyPrefix)];
    const args: Args = [this.ttl];
    this.addSettlements(settling, keys, args);
    try {
      await this.redis.limitAdmit(keys.length, ...keys, ...args);
      settling.resolve();
    } catch (error) {
      settling.reject(error);
    }
  }

  /** A check list's counter keys, kind/limit arguments and parallel counters, built once per key version. */
  private commandOf(checks: readonly CounterCheck[]): CheckCommand {
    let command = this.commands.get(checks);
    if (!command) {
      const keys: string[] = [];
      const args: Args = [];
      for (const check of checks) {
        keys.push(this.counterKey(check.id));
        args.push(check.kind, check.limit);
      }
      const parallelIds = checks.filter((check) => check.kind === "parallel").map((check) => check.id);
      this.commands.set(checks, (command = { keys, args, parallelIds }));
    }
    return command;
  }

  private counterKey(id: string): string {
    return limitCounterKey(this.keyPrefix, id);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushSettlements();
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
