import type { AdmitRequest, AdmitResult, CounterCheck, LimitStore, Settlement } from "./ports.js";
import { BUCKET_MS, BUCKETS, hasRoom } from "./window.js";

/**
 * One counter's last minute: bucket index (seconds since the epoch) → count, oldest first (buckets are added as
 * seconds pass), with their running sum, so reading a count costs the buckets that expired rather than all sixty.
 */
class Window {
  readonly buckets = new Map<number, number>();
  sum = 0;

  /** Drops the buckets that left the window ending at `current`; the count of what is left. */
  count(current: number): number {
    for (const [bucket, count] of this.buckets) {
      if (bucket > current - BUCKETS) break;
      this.sum -= count;
      this.buckets.delete(bucket);
    }
    return this.sum;
  }

  add(bucket: number, amount: number): void {
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + amount);
    this.sum += amount;
  }
}

/** Admissions between sweeps of windows nobody touched for a minute (keys that stopped calling). */
const SWEEP_EVERY = 1024;

/**
 * The counters of one replica, in memory: the store of a replica without Redis, and each replica's fallback while
 * Redis is unreachable. The same one-second buckets as the Redis store, so a count means the same in both.
 */
export class LocalLimitStore implements LimitStore {
  private readonly windows = new Map<string, Window>();
  private readonly leases = new Map<string, Set<string>>();
  private admissions = 0;

  constructor(private readonly now: () => number = Date.now) {}

  admit(request: AdmitRequest): Promise<AdmitResult> {
    const current = Math.floor(this.now() / BUCKET_MS);
    if (++this.admissions % SWEEP_EVERY === 0) this.sweep(current);
    const used = request.checks.map((check) => this.used(check, current));
    const refused = request.checks.findIndex((check, i) => !hasRoom(check.kind, used[i]!, check.limit));
    if (refused >= 0) {
      const retryAfterMs = this.retryAfterMs(request.checks[refused]!);
      return Promise.resolve({ ok: false, refused, used, retryAfterMs });
    }
    for (const check of request.checks) this.take(check, current, request.lease);
    return Promise.resolve({ ok: true, used });
  }

  settle(settlement: Settlement): Promise<void> {
    for (const id of settlement.parallelIds) {
      const held = this.leases.get(id);
      held?.delete(settlement.lease);
      if (held?.size === 0) this.leases.delete(id);
    }
    if (settlement.tokens > 0) {
      const current = Math.floor(this.now() / BUCKET_MS);
      for (const id of settlement.tokenIds) this.add(id, current, settlement.tokens);
    }
    return Promise.resolve();
  }

  private used(check: CounterCheck, current: number): number {
    if (check.kind === "parallel") return this.leases.get(check.id)?.size ?? 0;
    return this.windows.get(check.id)?.count(current) ?? 0;
  }

  private take(check: CounterCheck, current: number, lease: string): void {
    if (check.kind === "tokens") return;
    if (check.kind === "requests") return this.add(check.id, current, 1);
    let held = this.leases.get(check.id);
    if (!held) this.leases.set(check.id, (held = new Set()));
    held.add(lease);
  }

  private add(id: string, bucket: number, amount: number): void {
    let window = this.windows.get(id);
    if (!window) this.windows.set(id, (window = new Window()));
    window.add(bucket, amount);
  }

  /** A window has room again once its oldest bucket leaves it; a parallel slot, when a call ends (about 1 s). */
  private retryAfterMs(check: CounterCheck): number {
    const window = check.kind === "parallel" ? undefined : this.windows.get(check.id);
    if (!window || window.buckets.size === 0) return BUCKET_MS;
    const oldest = Math.min(...window.buckets.keys());
    return Math.max(BUCKET_MS, (oldest + BUCKETS) * BUCKET_MS - this.now());
  }

  private sweep(current: number): void {
    for (const [id, window] of this.windows) {
      if (window.count(current) === 0 && window.buckets.size === 0) this.windows.delete(id);
    }
  }
}
