import type { Logger } from "../logging/logger.js";

/** What a replica hears when any replica starts a cooldown. */
export interface CooldownHandlers {
  /** `remainingMs` from now; durations travel instead of timestamps so replica clocks need not agree. */
  onCooldown(id: string, remainingMs: number): void;
  /** The notice channel is (again) live: cooldowns started meanwhile should be read with `active()`. */
  onReady(): void;
}

/**
 * Where failures are counted and cooldowns kept for the whole cluster (Redis), or for one replica (in memory).
 * Every call may reject when the store is unreachable; the caller then counts locally.
 */
export interface CooldownStore {
  /**
   * Counts one failure of `id` in the current minute. The failure that makes the count exceed `allowedFails` starts a
   * cooldown of `cooldownMs` (announced to every replica) and resolves its length; otherwise resolves 0.
   */
  recordFailure(id: string, allowedFails: number, cooldownMs: number): Promise<number>;
  /** Cooldowns running now, with the milliseconds each has left. */
  active(): Promise<Array<[id: string, remainingMs: number]>>;
  listen(handlers: CooldownHandlers): void;
  /** Whether counting is shared with other replicas right now. */
  shared(): boolean;
}

export interface CooldownSettings {
  allowedFails: number;
  cooldownMs: number;
}

/** A cooldown as /cooldowns shows it. */
export interface CooldownEntry {
  id: string;
  remainingMs: number;
}

/**
 * This replica's view of which deployments are cooling down. Routing reads only this memory; failures are counted
 * in the store (Redis: for the cluster), whose notices update every replica's view within milliseconds. While the
 * store is unreachable, failures are counted and cooldowns kept per replica.
 */
export class Cooldowns {
  private readonly until = new Map<string, number>();
  private readonly local: InMemoryCooldownStore;

  constructor(
    private readonly settings: CooldownSettings,
    private readonly store: CooldownStore | undefined,
    private readonly logger: Logger | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.local = new InMemoryCooldownStore(now);
    this.local.listen({ onCooldown: (id, ms) => this.cool(id, ms), onReady: () => undefined });
    store?.listen({ onCooldown: (id, ms) => this.cool(id, ms), onReady: () => void this.catchUp() });
  }

  isCooling(id: string, now: number): boolean {
    const until = this.until.get(id);
    return until !== undefined && until > now;
  }

  /** Counted in the background: the failing call's answer never waits for Redis. */
  recordFailure(id: string): void {
    const { allowedFails, cooldownMs } = this.settings;
    if (!this.store?.shared()) {
      void this.local.recordFailure(id, allowedFails, cooldownMs);
      return;
    }
    this.store.recordFailure(id, allowedFails, cooldownMs).then(
      (ms) => {
        if (ms > 0) this.cool(id, ms); // the notice comes too; this spares waiting for it
      },
      () => void this.local.recordFailure(id, allowedFails, cooldownMs),
    );
  }

  list(): CooldownEntry[] {
    const now = this.now();
    const entries: CooldownEntry[] = [];
    for (const [id, until] of this.until) {
      if (until > now) entries.push({ id, remainingMs: until - now });
      else this.until.delete(id);
    }
    return entries;
  }

  count(): number {
    return this.list().length;
  }

  shared(): boolean {
    return this.store?.shared() ?? false;
  }

  private cool(id: string, remainingMs: number): void {
    const until = this.now() + remainingMs;
    if ((this.until.get(id) ?? 0) >= until) return;
    this.until.set(id, until);
    this.logger?.warn({ deploymentId: id, cooldownMs: remainingMs }, "deployment cooling down after failures");
  }

  /** After a (re)subscribe: cooldowns announced while this replica was not listening. */
  private async catchUp(): Promise<void> {
    try {
      for (const [id, ms] of await this.store!.active()) this.cool(id, ms);
    } catch (error) {
      this.logger?.warn({ err: { message: (error as Error).message } }, "could not read the shared cooldowns");
    }
  }
}

/** Failures per deployment per minute, in one process: embedded mode, unit tests, and the fallback while Redis is down. */
export class InMemoryCooldownStore implements CooldownStore {
  private readonly fails = new Map<string, { minute: number; count: number }>();
  private readonly until = new Map<string, number>();
  private handlers: CooldownHandlers | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  recordFailure(id: string, allowedFails: number, cooldownMs: number): Promise<number> {
    const now = this.now();
    if ((this.until.get(id) ?? 0) > now) return Promise.resolve(0); // failures of calls begun before it cooled
    const minute = Math.floor(now / 60_000);
    const entry = this.fails.get(id);
    const count = entry?.minute === minute ? entry.count + 1 : 1;
    if (count <= allowedFails) {
      this.fails.set(id, { minute, count });
      return Promise.resolve(0);
    }
    this.fails.delete(id);
    this.until.set(id, now + cooldownMs);
    this.handlers?.onCooldown(id, cooldownMs);
    return Promise.resolve(cooldownMs);
  }

  active(): Promise<Array<[string, number]>> {
    const now = this.now();
    return Promise.resolve([...this.until].filter(([, until]) => until > now).map(([id, until]) => [id, until - now]));
  }

  listen(handlers: CooldownHandlers): void {
    this.handlers = handlers;
  }

  shared(): boolean {
    return true;
  }
}
