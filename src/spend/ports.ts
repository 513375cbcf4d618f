import type { SpendRecord } from "./spend-record.js";

/** One record waiting in a queue; `record` is undefined for an entry that could not be read (it is acked and dropped). */
export interface QueuedSpend {
  id: string;
  record: SpendRecord | undefined;
}

export interface SpendQueueStatus {
  /** Records held in this replica's memory, not yet handed to the shared queue (or, without Redis, not yet flushed). */
  buffered: number;
  /** Records dropped since start because the memory buffer was full (oldest first). */
  dropped: number;
  /** "unused" without REDIS_URL. */
  redis: "ok" | "down" | "unused";
}

/**
 * Where answered calls wait between the reply and PostgreSQL: a Redis stream shared by the replicas, or this
 * replica's memory without Redis. Entries stay in the queue until acked, so a flush that failed (or a replica that
 * died mid-flush) leaves them for the next flush, on any replica.
 */
export interface SpendQueue {
  /** Hands one record over. Never throws and never waits: this runs right after a reply. */
  push(record: SpendRecord): void;
  /** The next records to flush: entries this replica was already given first, then those a dead one left, then new. */
  take(max: number): Promise<QueuedSpend[]>;
  /** Done with these entries: they were written (or were unreadable). */
  ack(ids: readonly string[]): Promise<void>;
  status(): SpendQueueStatus;
  close(): Promise<void>;
}

export interface SpendLogFilter {
  apiKey?: string;
  requestId?: string;
  /** Inclusive. */
  start?: Date;
  /** Exclusive. */
  end?: Date;
  limit: number;
}

export type SpendReportGroup = "api_key" | "model";

export interface DailySpend {
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** The key's token or the model group. */
  name: string;
  spend: number;
  promptTokens: number;
  completionTokens: number;
  requests: number;
}

export interface SpendReportFilter {
  start: Date;
  end: Date;
  groupBy: SpendReportGroup;
  apiKey?: string;
}

/** Spend in PostgreSQL. */
export interface SpendStore {
  /**
   * Inserts the records whose request id is not stored yet and adds only those to the totals (key, model group,
   * deployment, global), all in one transaction; answers how many were new. Writing the same record twice is a no-op.
   */
  write(records: readonly SpendRecord[]): Promise<number>;
  /**
   * Keys' spend by token: every key's, or only those a flush added to at or after `since` (database time). `readAt`
   * is the database's clock when the read began, for the next call's `since`.
   */
  keySpends(since?: Date): Promise<{ spends: Map<string, number>; readAt: Date }>;
  /** Log rows, newest first. */
  logs(filter: SpendLogFilter): Promise<SpendRecord[]>;
  /** The cluster's spend so far. */
  globalSpend(): Promise<number>;
  dailyReport(filter: SpendReportFilter): Promise<DailySpend[]>;
}
