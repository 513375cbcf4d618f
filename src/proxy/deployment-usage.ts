import type { Deployment } from "../registry/deployment.js";

/** A deployment's calls and tokens in the current minute. */
export interface UsageCounts {
  requests: number;
  tokens: number;
}

export interface UsageSnapshot {
  counts: Map<string, UsageCounts>;
  /** Milliseconds left in the minute the counts belong to. */
  msLeft: number;
}

export interface Claim extends UsageCounts {
  /** Whether the call was counted (the deployment was below its rpm). */
  accepted: boolean;
  msLeft: number;
}

/**
 * Per-deployment counters per minute, for the cluster (Redis) or one replica (in memory). Calls may reject when the
 * store is unreachable; the caller then counts locally.
 */
export interface DeploymentUsageStore {
  /** Counts one call unless the deployment already had `rpm` calls this minute (check and count are atomic). */
  claim(id: string, rpm: number): Promise<Claim>;
  /** Adds tokens answered since the last sync and reads the minute's counts of `ids`. */
  sync(tokens: ReadonlyMap<string, number>, ids: readonly string[]): Promise<UsageSnapshot>;
  shared(): boolean;
}

/** A deployment's `rpm` / `tpm` from litellm_params, or 0 when unset. */
export function limitOf(deployment: Deployment, field: "rpm" | "tpm"): number {
  const value = deployment.litellmParams[field];
  return typeof value === "number" && value > 0 ? value : 0;
}

export function isLimited(deployment: Deployment): boolean {
  return limitOf(deployment, "rpm") > 0 || limitOf(deployment, "tpm") > 0;
}

const ZERO: UsageCounts = { requests: 0, tokens: 0 };

/**
 * This replica's view of every limited deployment's usage this minute. rpm is exact for the cluster: a call to a
 * deployment with `rpm` is counted by an atomic check-and-increment in the store before it is made (one round trip,
 * only for such deployments). tpm is known only after an answer, so tokens are added locally and synced with the
 * store every `syncMs` together with a fresh read of every limited deployment's counts (usage-based routing reads
 * that view, never the store). While the store is unreachable, each replica counts alone against the full limits.
 */
export class DeploymentUsage {
  private view = new Map<string, UsageCounts>();
  private windowEndsAt = 0;
  private pendingTokens = new Map<string, number>();
  private readonly local: InMemoryDeploymentUsageStore;
  private timer: NodeJS.Timeout | undefined;
  private syncing = false;
  /** Whether the view holds the cluster's counts (or this replica's alone, while the store is unreachable). */
  private viewShared = false;

  constructor(
    private readonly store: DeploymentUsageStore | undefined,
    private readonly limitedIds: () => readonly string[],
    private readonly now: () => number = Date.now,
  ) {
    this.local = new InMemoryDeploymentUsageStore(now);
  }

  start(syncMs: number): void {
    this.timer = setInterval(() => {
      if (this.syncing) return; // a slow Redis must not pile up round trips
      this.syncing = true;
      void this.sync().finally(() => (this.syncing = false));
    }, syncMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Used by routing: calls and tokens this minute as last seen, plus this replica's since. */
  usage(id: string): UsageCounts {
    if (this.now() >= this.windowEndsAt) return ZERO;
    // Redis just went away (or came back): the counts seen belong to the other way of counting.
    if (this.store !== undefined && this.viewShared !== this.store.shared()) return ZERO;
    return this.view.get(id) ?? ZERO;
  }

  /** Whole seconds until the counted minute ends (at least 1), for a caller told to come back. */
  secondsLeft(): number {
    return Math.max(1, Math.ceil((this.windowEndsAt - this.now()) / 1000));
  }

  /** Below both limits as far as this replica knows; a deployment without limits always is. */
  hasHeadroom(deployment: Deployment): boolean {
    return this.headroom(deployment) > 0;
  }

  /** The smaller share left of `rpm` and `tpm` (1 = untouched, 0 = at a limit); 1 without limits. */
  headroom(deployment: Deployment): number {
    const rpm = limitOf(deployment, "rpm");
    const tpm = limitOf(deployment, "tpm");
    if (rpm === 0 && tpm === 0) return 1;
    const used = this.usage(deployment.id);
    const requests = rpm > 0 ? 1 - used.requests / rpm : 1;
    const tokens = tpm > 0 ? 1 - used.tokens / tpm : 1;
    return Math.max(0, Math.min(requests, tokens));
  }

  /** Counts a call to a deployment with `rpm` for the cluster; false when it is at its rpm this minute. */
  async claim(deployment: Deployment): Promise<boolean> {
    const rpm = limitOf(deployment, "rpm");
    let claim: Claim;
    let shared = this.onShared();
    try {
      claim = shared ? await this.store!.claim(deployment.id, rpm) : await this.local.claim(deployment.id, rpm);
    } catch {
      shared = false;
      claim = await this.local.claim(deployment.id, rpm);
    }
    this.see(deployment.id, claim, shared);
    return claim.accepted;
  }

  /** Tokens of an answered call, for `tpm`; nothing is kept for deployments without limits. */
  recordTokens(deployment: Deployment, tokens: number): void {
    if (tokens <= 0 || !isLimited(deployment)) return;
    const id = deployment.id;
    this.pendingTokens.set(id, (this.pendingTokens.get(id) ?? 0) + tokens);
    const now = this.now();
    if (now >= this.windowEndsAt) {
      // No count seen for this minute yet: start one on the local clock until the next sync says otherwise.
      this.view = new Map();
      this.windowEndsAt = (Math.floor(now / 60_000) + 1) * 60_000;
    }
    const seen = this.usage(id);
    this.view.set(id, { requests: seen.requests, tokens: seen.tokens + tokens });
  }

  shared(): boolean {
    return this.onShared();
  }

  /** One round trip for every limited deployment: this replica's new tokens in, everyone's counts out. */
  async sync(): Promise<void> {
    const ids = this.limitedIds();
    if (ids.length === 0 && this.pendingTokens.size === 0) return;
    const tokens = this.pendingTokens;
    this.pendingTokens = new Map();
    let snapshot: UsageSnapshot;
    let shared = this.onShared();
    try {
      snapshot = shared ? await this.store!.sync(tokens, ids) : await this.local.sync(tokens, ids);
    } catch {
      shared = false;
      snapshot = await this.local.sync(tokens, ids);
    }
    const view = new Map<string, UsageCounts>();
    for (const id of ids) view.set(id, snapshot.counts.get(id) ?? ZERO);
    // Tokens answered while the round trip was under way are not in the snapshot yet.
    for (const [id, pending] of this.pendingTokens) {
      const seen = view.get(id) ?? ZERO;
      view.set(id, { requests: seen.requests, tokens: seen.tokens + pending });
    }
    this.view = view;
    this.viewShared = shared;
    this.windowEndsAt = this.now() + snapshot.msLeft;
  }

  private onShared(): boolean {
    return this.store !== undefined && this.store.shared();
  }

  private see(id: string, claim: Claim, shared: boolean): void {
    if (shared !== this.viewShared) {
      this.view = new Map();
      this.viewShared = shared;
    }
    const tokens = Math.max(claim.tokens, this.usage(id).tokens);
    this.view.set(id, { requests: claim.requests, tokens });
    this.windowEndsAt = this.now() + claim.msLeft;
  }
}

/** Counters of one process: embedded mode, unit tests, and the fallback while Redis is down. */
export class InMemoryDeploymentUsageStore implements DeploymentUsageStore {
  private minute = -1;
  private counts = new Map<string, UsageCounts>();

  constructor(private readonly now: () => number = Date.now) {}

  claim(id: string, rpm: number): Promise<Claim> {
    const msLeft = this.roll();
    const counts = this.counts.get(id) ?? { requests: 0, tokens: 0 };
    const accepted = rpm <= 0 || counts.requests < rpm;
    if (accepted) counts.requests += 1;
    this.counts.set(id, counts);
    return Promise.resolve({ accepted, requests: counts.requests, tokens: counts.tokens, msLeft });
  }

  sync(tokens: ReadonlyMap<string, number>, ids: readonly string[]): Promise<UsageSnapshot> {
    const msLeft = this.roll();
    for (const [id, added] of tokens) {
      const counts = this.counts.get(id) ?? { requests: 0, tokens: 0 };
      counts.tokens += added;
      this.counts.set(id, counts);
    }
    const counts = new Map<string, UsageCounts>();
    for (const id of ids) counts.set(id, { ...(this.counts.get(id) ?? ZERO) });
    return Promise.resolve({ counts, msLeft });
  }

  shared(): boolean {
    return true;
  }

  /** Starts a new minute when the clock has moved on; returns the milliseconds left in this one. */
  private roll(): number {
    const now = this.now();
    const minute = Math.floor(now / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.counts = new Map();
    }
    return (minute + 1) * 60_000 - now;
  }
}
