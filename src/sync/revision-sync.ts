import type { Logger } from "../logging/logger.js";
import type { BusStatus, ChangeBus, ChangeEntity, ChangeEntry, ChangeLog, ChangeNotice } from "./ports.js";
import { within } from "./within.js";

/** One kind of revisioned data (models, keys) that a replica mirrors in memory. */
export interface SyncTarget {
  entity: ChangeEntity;
  /** Replaces the in-memory copy with everything stored. */
  loadAll(): Promise<void>;
  /** Re-reads these ids from the database; ids no longer stored are removed. */
  refresh(ids: readonly string[]): Promise<void>;
  remove(id: string): void;
}

export interface SyncStatus {
  appliedRevision: number;
  latestKnownRevision: number;
  lag: number;
  catchUps: number;
  lastCheckAt: string | null;
  bus: BusStatus;
}

export interface RevisionSyncDeps {
  changeLog: ChangeLog;
  bus: ChangeBus;
  targets: readonly SyncTarget[];
  logger: Logger;
  intervalMs: number;
  /** How long a read waits to learn the latest revision before it is served from memory (default 2 s). */
  freshProbeTimeoutMs?: number;
}

const CATCH_UP_PAGE = 500;
/** How long a local change waits for the revisions before it to arrive before this replica reads the change log. */
const PARK_MS = 20;

/** A committed local change waiting for an earlier revision; `done` answers the write. */
interface Parked {
  apply: () => void;
  done: () => void;
}

/**
 * How long a read waits to learn the latest revision before it is served from memory as it is. The database
 * refuses at once when it is down; this bounds the case where it does not answer at all (a dropped route).
 */
const FRESH_PROBE_TIMEOUT_MS = 2_000;
/** After the database failed to answer, reads are served from memory without asking for this long (the backstop keeps trying). */
const FRESH_RETRY_AFTER_MS = 1_000;

/**
 * Keeps this replica's in-memory view at the database's latest revision. PostgreSQL is the truth; bus notices
 * are hints. Every step runs on one serial queue and re-reads current rows, so duplicated, reordered or
 * missed notices cannot leave a stale or resurrected entry: a gap, a (re)subscribe or the periodic backstop
 * all end in a catch-up from the change log.
 */
export class RevisionSync {
  private applied = 0;
  private latestKnown = 0;
  private catchUps = 0;
  private lastCheckAt: Date | null = null;
  private queue: Promise<void> = Promise.resolve();
  private backstopPending = false;
  private timer: NodeJS.Timeout | undefined;
  private freshCheck: Promise<void> | undefined;
  private nextFreshCheck: Promise<void> | undefined;
  /** Until when reads skip the freshness check because the change log just failed to answer (performance.now()). */
  private skipFreshUntil = 0;
  /** Whether the change log is failing: its first failure is a warning, the rest debug lines until it recovers. */
  private failing = false;
  private readonly targets: Map<ChangeEntity, SyncTarget>;
  private readonly parked = new Map<number, Parked>();
  private parkTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RevisionSyncDeps) {
    this.targets = new Map(deps.targets.map((target) => [target.entity, target]));
  }

  /** Loads everything, then listens. Revision is read first: rows read after it are at least that new. */
  async start(): Promise<void> {
    // Not through enqueue: a replica that cannot load its view must fail to start, not run empty.
    this.queue = this.runStep(async () => {
      const revision = await this.deps.changeLog.latestRevision();
      for (const target of this.targets.values()) await target.loadAll();
      this.applied = revision;
      this.latestKnown = Math.max(this.latestKnown, revision);
      this.lastCheckAt = new Date();
    });
    await this.queue;
    await this.deps.bus.subscribe({
      onNotice: (notice) => void this.onNotice(notice),
      onSubscribed: () => void this.catchUp("subscribed"),
    });
    this.timer = setInterval(() => this.backstop(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.parkTimer) clearTimeout(this.parkTimer);
    this.parkTimer = undefined;
    for (const { done } of this.parked.values()) done();
    this.parked.clear();
  }

  /** Idle once every queued step has run (tests and shutdown use it). */
  async settled(): Promise<void> {
    await this.queue;
  }

  /**
   * The writing replica applies its own committed change before answering, without a database read when it
   * is the next revision. Concurrent writes commit in one order and reach this point in another: a change whose
   * predecessor is not applied yet waits (PARK_MS at most) for it to arrive, from this replica's own writes or from
   * the bus, and is then applied in order; only if the gap stays open does it catch up from the change log.
   */
  applyLocal(change: ChangeEntry, apply: () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      void this.enqueue(() => {
        this.latestKnown = Math.max(this.latestKnown, change.revision);
        if (change.revision <= this.applied) return Promise.resolve(resolve());
        if (change.revision !== this.applied + 1) {
          this.parked.set(change.revision, { apply, done: resolve });
          this.scheduleParkedCatchUp();
          return Promise.resolve();
        }
        try {
          apply();
          this.applied = change.revision;
        } finally {
          resolve();
        }
        this.settleParked();
        return Promise.resolve();
      });
    });
  }

  /** Applies parked changes that are next in order and answers those a catch-up already covered. */
  private settleParked(): void {
    for (const [revision, { done }] of this.parked) {
      if (revision <= this.applied) {
        this.parked.delete(revision);
        done();
      }
    }
    for (let next = this.parked.get(this.applied + 1); next; next = this.parked.get(this.applied + 1)) {
      this.parked.delete(this.applied + 1);
      try {
        next.apply();
        this.applied += 1;
      } finally {
        next.done();
      }
    }
  }

  private scheduleParkedCatchUp(): void {
    if (this.parkTimer) return;
    this.parkTimer = setTimeout(() => {
      this.parkTimer = undefined;
      if (this.parked.size === 0) return;
      void this.enqueue(async () => {
        if (this.parked.size > 0) await this.catchUpNow();
      }).finally(() => {
        this.settleParked();
        if (this.parked.size > 0) this.scheduleParkedCatchUp();
      });
    }, PARK_MS);
    this.parkTimer.unref();
  }

  onNotice(notice: ChangeNotice): Promise<void> {
    return this.enqueue(async () => {
      this.latestKnown = Math.max(this.latestKnown, notice.revision);
      if (notice.revision <= this.applied) return;
      const target = this.targets.get(notice.entity);
      if (notice.revision === this.applied + 1 && target) {
        if (notice.op === "delete") target.remove(notice.id);
        else await target.refresh([notice.id]);
        this.applied = notice.revision;
        this.settleParked();
      } else {
        await this.catchUpNow();
      }
    });
  }

  /**
   * Read-your-writes across replicas: asks PostgreSQL for the latest committed revision and, when this replica is
   * behind, catches up before returning. Reads that must reflect a write made through another replica a moment
   * ago (listings, an unknown model or key) call this; the hot path of a known model never does. If the database
   * cannot be asked, the in-memory view is served as it is.
   */
  ensureFresh(): Promise<void> {
    // Single flight: at most one check runs and one waits, however many requests ask (an unknown-key flood
    // cannot turn into a query per request). A caller never joins a check that started before it asked.
    if (!this.freshCheck) {
      this.freshCheck = this.checkFresh().finally(() => {
        this.freshCheck = undefined;
      });
      return this.freshCheck;
    }
    this.nextFreshCheck ??= this.freshCheck.then(() => {
      this.nextFreshCheck = undefined;
      return this.ensureFresh();
    });
    return this.nextFreshCheck;
  }

  private async checkFresh(): Promise<void> {
    if (performance.now() < this.skipFreshUntil) return;
    const timeoutMs = this.deps.freshProbeTimeoutMs ?? FRESH_PROBE_TIMEOUT_MS;
    const latest = await within(this.deps.changeLog.latestRevision(), timeoutMs);
    if (latest === undefined) {
      // The database is down or not answering: serve the in-memory view, and spare the next reads the wait.
      this.skipFreshUntil = performance.now() + FRESH_RETRY_AFTER_MS;
      return;
    }
    this.latestKnown = Math.max(this.latestKnown, latest);
    if (latest <= this.applied) return;
    await this.enqueue(async () => {
      if (latest > this.applied) await this.catchUpNow();
    });
  }

  catchUp(reason: string): Promise<void> {
    this.deps.logger.debug({ reason }, "catch-up requested");
    return this.enqueue(() => this.catchUpNow());
  }

  status(): SyncStatus {
    return {
      appliedRevision: this.applied,
      latestKnownRevision: this.latestKnown,
      lag: Math.max(0, this.latestKnown - this.applied),
      catchUps: this.catchUps,
      lastCheckAt: this.lastCheckAt?.toISOString() ?? null,
      bus: this.deps.bus.status(),
    };
  }

  private backstop(): void {
    if (this.backstopPending) return;
    this.backstopPending = true;
    void this.enqueue(async () => {
      try {
        const latest = await this.deps.changeLog.latestRevision();
        this.latestKnown = Math.max(this.latestKnown, latest);
        this.lastCheckAt = new Date();
        this.recovered();
        if (latest > this.applied) await this.catchUpNow();
      } finally {
        this.backstopPending = false;
      }
    });
  }

  private async catchUpNow(): Promise<void> {
    const startedAt = this.applied;
    for (;;) {
      const entries = await this.deps.changeLog.since(this.applied, CATCH_UP_PAGE);
      if (entries.length === 0) break;
      await this.applyEntries(entries);
      this.applied = entries[entries.length - 1]!.revision;
      if (entries.length < CATCH_UP_PAGE) break;
    }
    this.latestKnown = Math.max(this.latestKnown, this.applied);
    this.lastCheckAt = new Date();
    this.recovered();
    this.settleParked();
    if (this.applied > startedAt) {
      this.catchUps += 1;
      this.deps.logger.info({ from: startedAt, to: this.applied }, "caught up from the change log");
    }
  }

  private async applyEntries(entries: readonly ChangeEntry[]): Promise<void> {
    const idsByEntity = new Map<ChangeEntity, Set<string>>();
    for (const entry of entries) {
      const ids = idsByEntity.get(entry.entity) ?? new Set<string>();
      ids.add(entry.entityId);
      idsByEntity.set(entry.entity, ids);
    }
    for (const [entity, ids] of idsByEntity) {
      await this.targets.get(entity)?.refresh([...ids]);
    }
  }

  /**
   * Serial queue. A failed step is logged and the next one still runs (the backstop retries), so the returned
   * promise never rejects: a committed write must not fail its request because a follow-up read did.
   */
  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.runStep(step).catch((error: unknown) => this.stepFailed(error));
    return this.queue;
  }

  /**
   * While the database is down the backstop fails every interval: one warning says so, the rest go to debug, and
   * one line says when it answers again (the in-memory view is served unchanged meanwhile).
   */
  private stepFailed(error: unknown): void {
    if (this.failing) {
      this.deps.logger.debug({ err: error }, "registry sync step failed again; serving the in-memory view");
      return;
    }
    this.failing = true;
    this.deps.logger.warn(
      { err: error, appliedRevision: this.applied },
      "registry sync step failed; serving the in-memory view and retrying on the next check",
    );
  }

  private recovered(): void {
    this.skipFreshUntil = 0;
    if (!this.failing) return;
    this.failing = false;
    this.deps.logger.info({ appliedRevision: this.applied }, "change log answers again: registry sync resumed");
  }

  private runStep(step: () => Promise<void>): Promise<void> {
    return this.queue.then(step);
  }
}
